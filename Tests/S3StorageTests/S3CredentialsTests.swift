import Foundation
import SavepointTestSupport
import Storage
import XCTest
@testable import S3Storage

/// Wrong credentials against moto with its checks on. moto checks access keys and signatures only
/// after INITIAL_NO_AUTH_ACTION_COUNT requests, against users made through its IAM API: the setup
/// (boto3, which moto depends on) makes a user with a key and an allow-all policy, then uses up
/// the unchecked requests until moto refuses an unknown key.
///
/// What moto checks then: an unknown key id (InvalidAccessKeyId), a signature made with another
/// secret (SignatureDoesNotMatch), and IAM policies (AccessDenied for a user without one). Its own
/// check of signatures over a query with "/" in a value (ListObjectsV2's delimiter) disagrees with
/// AWS (it also refuses the AWS CLI's), so listings are not tested here.
final class S3CredentialsTests: XCTestCase {
    func testWrongCredentialsEndInOneLineWithS3sCode() throws {
        let server = try MotoServer.startedOrSkipped(environment: ["INITIAL_NO_AUTH_ACTION_COUNT": "6"])
        defer { server.stop() }
        let keys = try makeUsers(endpoint: server.endpoint)
        func storage(_ id: String, _ secret: String) -> S3Storage {
            S3Storage(configuration: S3Configuration(endpoint: server.endpoint, region: "us-east-1",
                                                     credentials: S3Credentials(accessKeyId: id, secretAccessKey: secret)))
        }
        let good = storage(keys.allowed.id, keys.allowed.secret)
        // Signed by us, checked by moto: bucket, upload, ranged read.
        try good.client.wait(good.client.createBucket("checked"))
        let writer = try good.create("s3://checked/sp/_metadata")
        try writer.write(Array("signed bytes".utf8))
        try writer.finish()
        XCTAssertEqual(good.status("s3://checked/sp/_metadata"), .regularFile(size: 12))
        XCTAssertEqual(try good.source("s3://checked/sp/_metadata", offset: 7, length: nil).read(0..<5), Array("bytes".utf8))

        let wrongSecret = storage(keys.allowed.id, "not-the-secret")
        XCTAssertThrowsError(try wrongSecret.source("s3://checked/sp/_metadata", offset: 0, length: nil)) { error in
            assertOneLine(error, contains: ["s3://checked/sp/_metadata", "SignatureDoesNotMatch", "HTTP 403"])
        }
        guard case let .unusable(reason) = wrongSecret.status("s3://checked/sp/_metadata") else {
            return XCTFail("a wrong secret makes the object unusable")
        }
        XCTAssertTrue(reason.hasPrefix("SignatureDoesNotMatch"), reason)

        let unknownKey = storage("AKIANOSUCHKEY0000000", "whatever")
        XCTAssertThrowsError(try unknownKey.source("s3://checked/sp/_metadata", offset: 0, length: 12).read(0..<12)) { error in
            assertOneLine(error, contains: ["s3://checked/sp/_metadata", "InvalidAccessKeyId"])
        }
        let unprivileged = storage(keys.denied.id, keys.denied.secret)
        XCTAssertThrowsError(try unprivileged.source("s3://checked/sp/_metadata", offset: 0, length: nil)) { error in
            assertOneLine(error, contains: ["s3://checked/sp/_metadata", "AccessDenied"])
        }
    }

    struct Key { var id: String; var secret: String }

    /// Two IAM users in moto: one allowed everything, one without a policy.
    func makeUsers(endpoint: String) throws -> (allowed: Key, denied: Key) {
        let script = """
            import sys, boto3, botocore
            session = dict(endpoint_url=sys.argv[1], region_name="us-east-1",
                           aws_access_key_id="setup", aws_secret_access_key="setup")
            iam = boto3.client("iam", **session)
            out = []
            for name in ("allowed", "denied"):
                iam.create_user(UserName=name)
                key = iam.create_access_key(UserName=name)["AccessKey"]
                out += [key["AccessKeyId"], key["SecretAccessKey"]]
            iam.put_user_policy(UserName="allowed", PolicyName="all", PolicyDocument=
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}')
            s3 = boto3.client("s3", **session)
            for _ in range(10):
                try:
                    s3.list_buckets()
                except botocore.exceptions.ClientError as e:
                    if e.response["Error"]["Code"] == "InvalidAccessKeyId":
                        print(" ".join(out))
                        sys.exit(0)
            sys.exit("moto did not start checking access keys")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, endpoint]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let words = String(decoding: data, as: UTF8.self).split(separator: " ").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard process.terminationStatus == 0, words.count == 4 else {
            throw MotoServer.MotoError(message: "IAM setup in moto failed (exit \(process.terminationStatus))")
        }
        return (Key(id: words[0], secret: words[1]), Key(id: words[2], secret: words[3]))
    }
}
