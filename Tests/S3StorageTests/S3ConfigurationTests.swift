import Foundation
import XCTest
@testable import S3Storage

/// The configuration as the AWS CLI reads it: environment first, then the profile in the files.
final class S3ConfigurationTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("s3-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        try """
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key = secret-default

            # a comment
            [work]
            aws_access_key_id=AKIDWORK
            aws_secret_access_key=secret/work
            aws_session_token = token-work
            """.write(to: folder.appendingPathComponent(".aws/credentials"), atomically: true, encoding: .utf8)
        try """
            [default]
            region = eu-west-1

            [profile work]
            region = eu-central-1
            endpoint_url = http://127.0.0.1:9000
            s3 =
              addressing_style = path

            [profile other]
            aws_access_key_id = AKIDOTHER
            aws_secret_access_key = secret-other
            """.write(to: folder.appendingPathComponent(".aws/config"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func testDefaultProfileFromHomeFiles() {
        let config = S3Configuration.fromEnvironment(["HOME": folder.path])
        XCTAssertEqual(config.credentials, S3Credentials(accessKeyId: "AKIDDEFAULT", secretAccessKey: "secret-default"))
        XCTAssertEqual(config.region, "eu-west-1")
        XCTAssertNil(config.endpoint)
    }

    func testNamedProfileWithEndpointAndSessionToken() {
        let config = S3Configuration.fromEnvironment(["HOME": folder.path, "AWS_PROFILE": "work"])
        XCTAssertEqual(config.credentials, S3Credentials(accessKeyId: "AKIDWORK", secretAccessKey: "secret/work", sessionToken: "token-work"))
        XCTAssertEqual(config.region, "eu-central-1")
        XCTAssertEqual(config.endpoint, "http://127.0.0.1:9000")
    }

    func testCredentialsInTheConfigFile() {
        let config = S3Configuration.fromEnvironment(["HOME": folder.path, "AWS_PROFILE": "other"])
        XCTAssertEqual(config.credentials?.accessKeyId, "AKIDOTHER")
        XCTAssertEqual(config.region, "us-east-1")
    }

    func testEnvironmentWinsOverFiles() {
        let config = S3Configuration.fromEnvironment([
            "HOME": folder.path, "AWS_PROFILE": "work",
            "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "secret-env", "AWS_SESSION_TOKEN": "token-env",
            "AWS_DEFAULT_REGION": "ap-south-1", "AWS_ENDPOINT_URL": "http://generic:1", "AWS_ENDPOINT_URL_S3": "http://s3only:2/",
        ])
        XCTAssertEqual(config.credentials, S3Credentials(accessKeyId: "AKIDENV", secretAccessKey: "secret-env", sessionToken: "token-env"))
        XCTAssertEqual(config.region, "ap-south-1")
        XCTAssertEqual(config.endpoint, "http://s3only:2")
        let region = S3Configuration.fromEnvironment(["HOME": folder.path, "AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "x",
                                                      "AWS_ENDPOINT_URL": "http://generic:1"])
        XCTAssertEqual(region.region, "us-west-2")
        XCTAssertEqual(region.endpoint, "http://generic:1")
    }

    func testFilesNamedByEnvironment() throws {
        let credentials = folder.appendingPathComponent("creds")
        let config = folder.appendingPathComponent("conf")
        try "[default]\naws_access_key_id = A\naws_secret_access_key = B\n".write(to: credentials, atomically: true, encoding: .utf8)
        try "[default]\nregion = sa-east-1\n".write(to: config, atomically: true, encoding: .utf8)
        let loaded = S3Configuration.fromEnvironment(["HOME": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": credentials.path,
                                                      "AWS_CONFIG_FILE": config.path])
        XCTAssertEqual(loaded.credentials, S3Credentials(accessKeyId: "A", secretAccessKey: "B"))
        XCTAssertEqual(loaded.region, "sa-east-1")
        XCTAssertNil(S3Configuration.fromEnvironment(["HOME": "/nonexistent"]).credentials)
    }

    func testAddressing() {
        let custom = S3Client(configuration: S3Configuration(endpoint: "http://127.0.0.1:9000", region: "us-east-1"))
        let path = custom.location(S3Path(bucket: "bkt", key: "dir/a b"))
        XCTAssertEqual(path.origin, "http://127.0.0.1:9000")
        XCTAssertEqual(path.host, "127.0.0.1:9000")
        XCTAssertEqual(path.uriPath, "/bkt/dir/a%20b")
        let aws = S3Client(configuration: S3Configuration(region: "eu-west-1"))
        XCTAssertEqual(aws.location(S3Path(bucket: "bkt", key: "k")).origin, "https://bkt.s3.eu-west-1.amazonaws.com")
        XCTAssertEqual(aws.location(S3Path(bucket: "my.bkt", key: "k")).uriPath, "/my.bkt/k")
    }

    func testPaths() {
        XCTAssertEqual(S3Path("s3://bkt/a/b"), S3Path(bucket: "bkt", key: "a/b"))
        XCTAssertEqual(S3Path("s3a://bkt/a/"), S3Path(bucket: "bkt", key: "a/"))
        XCTAssertEqual(S3Path("S3P://bkt"), S3Path(bucket: "bkt", key: ""))
        XCTAssertNil(S3Path("/tmp/x"))
        XCTAssertNil(S3Path("s3:///k"))
        XCTAssertNil(S3Path("gs://bkt/k"))
        XCTAssertEqual(S3Path("s3a://bkt/a")?.description, "s3://bkt/a")
        XCTAssertEqual(S3Path("s3://bkt/a")?.directoryPrefix, "a/")
    }

    func testListAndErrorXML() {
        let page = S3XML.listPage("""
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bkt</Name><Prefix>d/</Prefix>
            <IsTruncated>true</IsTruncated><NextContinuationToken>tok&amp;1</NextContinuationToken>
            <Contents><Key>d/a&lt;b</Key><Size>12</Size></Contents><Contents><Key>d/c</Key><Size>0</Size></Contents>
            <CommonPrefixes><Prefix>d/e/</Prefix></CommonPrefixes></ListBucketResult>
            """)
        XCTAssertEqual(page.objects.map(\.key), ["d/a<b", "d/c"])
        XCTAssertEqual(page.objects.map(\.size), [12, 0])
        XCTAssertEqual(page.prefixes, ["d/e/"])
        XCTAssertEqual(page.continuationToken, "tok&1")
        let error = "<?xml version=\"1.0\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"
        XCTAssertTrue(S3Client.isErrorDocument(error))
        XCTAssertFalse(S3Client.isErrorDocument("<DeleteResult><Error><Code>X</Code></Error></DeleteResult>"))
        XCTAssertEqual(S3XML.unescape("a&#65;&#x42;&quot;"), "aAB\"")
        XCTAssertEqual(S3XML.delete(keys: ["a&b"]), "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object></Delete>")
    }
}
