import Foundation
import XCTest
@testable import S3Storage

/// The signer against AWS's published examples, written out here as literal data:
/// - the SigV4 test suite (service "service"), as listed in
///   https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html and shipped as
///   aws-sig-v4-test-suite in awslabs/aws-c-auth (tests/aws-signing-test-suite);
/// - S3's worked examples, https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
final class SigV4Tests: XCTestCase {
    // The test suite's credentials and time.
    let suite = SigV4Signer(credentials: S3Credentials(accessKeyId: "AKIDEXAMPLE",
                                                       secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                            region: "us-east-1", service: "service")
    let suiteDate = "20150830T123600Z"
    var suiteHeaders: [(String, String)] { [("Host", "example.amazonaws.com"), ("X-Amz-Date", suiteDate)] }

    // S3's examples.
    let s3 = SigV4Signer(credentials: S3Credentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE",
                                                    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                         region: "us-east-1", service: "s3")
    let s3Date = "20130524T000000Z"
    let s3Host = "examplebucket.s3.amazonaws.com"
    let empty = SigV4Signer.emptyPayloadHash

    func testGetVanilla() {
        let signed = suite.sign(method: "GET", path: "/", query: [], headers: suiteHeaders, payloadHash: empty, amzDate: suiteDate)
        XCTAssertEqual(signed.canonicalRequest, """
            GET
            /

            host:example.amazonaws.com
            x-amz-date:20150830T123600Z

            host;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        XCTAssertEqual(signed.stringToSign, """
            AWS4-HMAC-SHA256
            20150830T123600Z
            20150830/us-east-1/service/aws4_request
            bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63
            """)
        XCTAssertEqual(signed.authorization,
                       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                       + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    func testGetVanillaQueryOrderKeyCase() {
        let signed = suite.sign(method: "GET", path: "/", query: [("Param2", "value2"), ("Param1", "value1")],
                                headers: suiteHeaders, payloadHash: empty, amzDate: suiteDate)
        XCTAssertTrue(signed.canonicalRequest.hasPrefix("GET\n/\nParam1=value1&Param2=value2\n"))
        XCTAssertEqual(signed.signature, "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
    }

    func testPostVanilla() {
        let signed = suite.sign(method: "POST", path: "/", query: [], headers: suiteHeaders, payloadHash: empty, amzDate: suiteDate)
        XCTAssertEqual(signed.signature, "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
    }

    func testGetUTF8() {
        let path = SigV4Signer.uriEncode("/ሴ", encodeSlash: false)
        XCTAssertEqual(path, "/%E1%88%B4")
        let signed = suite.sign(method: "GET", path: path, query: [], headers: suiteHeaders, payloadHash: empty, amzDate: suiteDate)
        XCTAssertEqual(signed.signature, "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85")
    }

    func testS3GetObjectWithRange() {
        let headers = [("Host", s3Host), ("Range", "bytes=0-9"), ("x-amz-content-sha256", empty), ("x-amz-date", s3Date)]
        let signed = s3.sign(method: "GET", path: "/test.txt", query: [], headers: headers, payloadHash: empty, amzDate: s3Date)
        XCTAssertEqual(signed.canonicalRequest, """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        XCTAssertEqual(signed.stringToSign, """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)
        XCTAssertEqual(signed.authorization,
                       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                       + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                       + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    func testS3PutObjectWithEscapedKeyAndPayload() {
        let payload = Array("Welcome to Amazon S3.".utf8)
        let hash = payload.withUnsafeBytes { SigV4Signer.payloadHash($0) }
        XCTAssertEqual(hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let path = SigV4Signer.uriEncode("/test$file.text", encodeSlash: false)
        XCTAssertEqual(path, "/test%24file.text")
        let headers = [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("Host", s3Host), ("x-amz-content-sha256", hash),
                       ("x-amz-date", s3Date), ("x-amz-storage-class", "REDUCED_REDUNDANCY")]
        let signed = s3.sign(method: "PUT", path: path, query: [], headers: headers, payloadHash: hash, amzDate: s3Date)
        XCTAssertEqual(signed.signedHeaders, "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class")
        XCTAssertTrue(signed.stringToSign.hasSuffix("9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d"))
        XCTAssertEqual(signed.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    func testS3GetBucketLifecycle() {
        let headers = [("Host", s3Host), ("x-amz-content-sha256", empty), ("x-amz-date", s3Date)]
        let signed = s3.sign(method: "GET", path: "/", query: [("lifecycle", "")], headers: headers, payloadHash: empty, amzDate: s3Date)
        XCTAssertTrue(signed.canonicalRequest.hasPrefix("GET\n/\nlifecycle=\n"))
        XCTAssertTrue(signed.stringToSign.hasSuffix("9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca"))
        XCTAssertEqual(signed.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    func testS3ListObjects() {
        let headers = [("Host", s3Host), ("x-amz-content-sha256", empty), ("x-amz-date", s3Date)]
        let signed = s3.sign(method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")], headers: headers,
                             payloadHash: empty, amzDate: s3Date)
        XCTAssertTrue(signed.canonicalRequest.hasPrefix("GET\n/\nmax-keys=2&prefix=J\n"))
        XCTAssertEqual(signed.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    func testURIEncodingAndDate() {
        XCTAssertEqual(SigV4Signer.uriEncode("a/b c+~*", encodeSlash: false), "a/b%20c%2B~%2A")
        XCTAssertEqual(SigV4Signer.uriEncode("a/b", encodeSlash: true), "a%2Fb")
        XCTAssertEqual(SigV4Signer.amzDate(Date(timeIntervalSince1970: 1_440_938_160)), "20150830T123600Z")
        XCTAssertEqual(SigV4Signer.trimHeaderValue("  a   b  c "), "a b c")
    }
}
