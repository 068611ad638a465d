// The S3 REST calls S3Storage needs, signed with SigV4 (SigV4.swift), over async-http-client.
//
//   HeadObject              HEAD /bucket/key                                   Content-Length = size
//   GetObject (ranged)      GET  /bucket/key, Range: bytes=FIRST-LAST          206, the bytes
//   ListObjectsV2           GET  /bucket?list-type=2&prefix=P&delimiter=/&continuation-token=T
//   PutObject               PUT  /bucket/key, body
//   CreateMultipartUpload   POST /bucket/key?uploads                           <UploadId>
//   UploadPart              PUT  /bucket/key?partNumber=N&uploadId=ID, body    ETag header
//   CompleteMultipartUpload POST /bucket/key?uploadId=ID, <CompleteMultipartUpload> (S3XML.swift)
//   AbortMultipartUpload    DELETE /bucket/key?uploadId=ID
//   DeleteObject            DELETE /bucket/key
//   DeleteObjects           POST /bucket?delete, <Delete>, Content-MD5
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
//
// Threads: the HTTP client runs on an event loop group of its own, shared by every S3Storage of the
// process and never shut down (so no reader can outlive it). Callers are synchronous (ByteSource.read):
// they start requests (futures) and block in `wait()` on their own thread, never on an event loop.
//
// Retries: 5xx answers (InternalError, SlowDown, ...) and failed connections (refused, reset, closed
// mid-answer, timed out) are retried up to `maxAttempts` times with exponential backoff and jitter,
// as the AWS SDKs do (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html);
// 4xx answers are final.

import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A response that passed: status 2xx.
struct S3Response: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer?

    var bodyBytes: [UInt8] { body.map { Array($0.readableBytesView) } ?? [] }
    var bodyText: String { body.map { String(buffer: $0) } ?? "" }
}

/// One request: what to sign and send. The body is kept so that a retry sends it again.
struct S3Request: Sendable {
    var method: HTTPMethod
    var path: S3Path
    var query: [(String, String)] = []
    var headers: [(String, String)] = []
    var body: [UInt8]? = nil
    /// For messages: what the request was about (`s3://bucket/key`).
    var object: String { path.description }
}

/// Process-wide HTTP machinery: a dedicated event loop group and one connection pool.
final class S3Transport: Sendable {
    static let shared = S3Transport()

    let group: MultiThreadedEventLoopGroup
    let http: HTTPClient

    private init() {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(60)),
            connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 16))
        configuration.httpVersion = .http1Only
        http = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
    }
}

/// Signs and sends requests to one endpoint with one set of credentials.
struct S3Client: Sendable {
    let configuration: S3Configuration
    let signer: SigV4Signer?
    /// Attempts per request (first try included).
    var maxAttempts: Int
    /// The first retry waits about this long; each further one twice as long (with jitter).
    var baseDelay: TimeAmount

    var transport: S3Transport { .shared }
    var http: HTTPClient { transport.http }

    init(configuration: S3Configuration, maxAttempts: Int = 4, baseDelay: TimeAmount = .milliseconds(100)) {
        self.configuration = configuration
        self.signer = configuration.credentials.map {
            SigV4Signer(credentials: $0, region: configuration.region, service: "s3")
        }
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
    }

    /// scheme://host[:port] and the path for `path`, path-style on custom endpoints.
    func location(_ path: S3Path) -> (origin: String, host: String, uriPath: String) {
        let encodedKey = SigV4Signer.uriEncode(path.key, encodeSlash: false)
        if let endpoint = configuration.endpoint {
            let host = endpoint.split(separator: "://", maxSplits: 1).last.map(String.init) ?? endpoint
            let bucket = "/" + SigV4Signer.uriEncode(path.bucket, encodeSlash: true)
            return (endpoint, host, path.key.isEmpty ? bucket : "\(bucket)/\(encodedKey)")
        }
        let regional = "s3.\(configuration.region).amazonaws.com"
        if path.bucket.contains(".") {
            return ("https://\(regional)", regional, path.key.isEmpty ? "/\(path.bucket)" : "/\(path.bucket)/\(encodedKey)")
        }
        let host = "\(path.bucket).\(regional)"
        return ("https://\(host)", host, "/\(encodedKey)")
    }

    /// The request as async-http-client sends it, signed now.
    func httpRequest(_ request: S3Request) throws -> HTTPClient.Request {
        let (origin, host, uriPath) = location(request.path)
        let query = request.query
            .map { "\(SigV4Signer.uriEncode($0.0, encodeSlash: true))=\(SigV4Signer.uriEncode($0.1, encodeSlash: true))" }
            .joined(separator: "&")
        let url = origin + uriPath + (query.isEmpty ? "" : "?" + query)
        let payloadHash = request.body.map { body in body.withUnsafeBytes { SigV4Signer.payloadHash($0) } }
            ?? SigV4Signer.emptyPayloadHash
        var signed = request.headers
        signed.append(("host", host))
        signed.append(("x-amz-date", SigV4Signer.amzDate(Date())))
        signed.append(("x-amz-content-sha256", payloadHash))
        if let token = configuration.credentials?.sessionToken { signed.append(("x-amz-security-token", token)) }
        var headers = HTTPHeaders(signed)
        if let signer {
            let signature = signer.sign(method: request.method.rawValue, path: uriPath, query: request.query,
                                        headers: signed, payloadHash: payloadHash,
                                        amzDate: signed.first { $0.0 == "x-amz-date" }!.1)
            headers.add(name: "authorization", value: signature.authorization)
        }
        return try HTTPClient.Request(url: url, method: request.method, headers: headers,
                                      body: request.body.map { .bytes($0) })
    }

    /// Sends `request`, retrying 5xx answers and failed connections; fails with `S3Error` unless 2xx.
    func send(_ request: S3Request) -> EventLoopFuture<S3Response> {
        let loop = transport.group.next()
        let promise = loop.makePromise(of: S3Response.self)
        attempt(request, number: 1, on: loop, promise: promise)
        return promise.futureResult
    }

    private func attempt(_ request: S3Request, number: Int, on loop: any EventLoop, promise: EventLoopPromise<S3Response>) {
        let http: HTTPClient.Request
        do { http = try httpRequest(request) } catch {
            promise.fail(S3Error(object: request.object, code: "InvalidURL", message: "\(error)"))
            return
        }
        self.http.execute(request: http, eventLoop: .delegate(on: loop)).whenComplete { result in
            let failure: S3Error
            switch result {
            case let .success(response):
                let status = Int(response.status.code)
                let text = response.body.map { String(buffer: $0) } ?? ""
                // CompleteMultipartUpload may answer 200 and an <Error> body.
                let refused = !(200..<300).contains(status) || (request.method == .POST && Self.isErrorDocument(text))
                guard refused else {
                    promise.succeed(S3Response(status: status, headers: response.headers, body: response.body))
                    return
                }
                failure = Self.errorBody(text, request: request, status: status, attempts: number)
                    ?? S3Error(object: request.object, code: S3Error.codeForStatus(status),
                               message: text.isEmpty ? "" : String(text.prefix(200)), status: status, attempts: number)
                let retryable = status >= 500 || ["InternalError", "SlowDown", "ServiceUnavailable"].contains(failure.code)
                guard retryable, number < maxAttempts else {
                    promise.fail(failure)
                    return
                }
            case let .failure(error):
                let range = request.headers.first { $0.0 == "range" }.map { " \($0.1)" } ?? ""
                failure = S3Error(object: request.object, code: "ConnectionFailed",
                                  message: "\(request.method.rawValue)\(range) from \(configuration.endpoint ?? "AWS"): \(Self.describe(error))",
                                  attempts: number)
                guard number < maxAttempts else {
                    promise.fail(failure)
                    return
                }
            }
            loop.scheduleTask(in: backoff(afterAttempt: number)) {
                attempt(request, number: number + 1, on: loop, promise: promise)
            }
        }
    }

    /// Exponential backoff with "equal jitter": half fixed, half random.
    func backoff(afterAttempt number: Int) -> TimeAmount {
        let full = baseDelay.nanoseconds << min(number - 1, 10)
        return .nanoseconds(full / 2 + Int64.random(in: 0...max(full / 2, 1)))
    }

    /// Whether the document's root element is <Error> (after an optional <?xml …?> declaration).
    static func isErrorDocument(_ text: String) -> Bool {
        var rest = text[...].drop { $0.isWhitespace }
        if rest.hasPrefix("<?"), let end = rest.range(of: "?>") { rest = rest[end.upperBound...].drop { $0.isWhitespace } }
        return rest.hasPrefix("<Error>")
    }

    static func errorBody(_ text: String, request: S3Request, status: Int, attempts: Int) -> S3Error? {
        guard let error = S3XML.elements("Error", in: text[...]).first, let code = S3XML.text("Code", in: error) else {
            return nil
        }
        return S3Error(object: request.object, code: code, message: S3XML.text("Message", in: error) ?? "",
                       status: status, attempts: attempts)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .remoteConnectionClosed: return "the server closed the connection before the answer was complete"
            case .readTimeout: return "no data from the server for 60 s"
            case .connectTimeout: return "could not connect within 10 s"
            default: return "\(error)"
            }
        }
        if let error = error as? HTTPParserError, error == .invalidEOFState {
            return "the server closed the connection before the answer was complete"
        }
        if let error = error as? IOError { return error.description }
        return "\(error)"
    }

    func wait<T: Sendable>(_ future: EventLoopFuture<T>) throws -> T {
        try future.wait()
    }

    // MARK: The calls

    func head(_ path: S3Path) -> EventLoopFuture<S3Response> {
        send(S3Request(method: .HEAD, path: path))
    }

    /// `length` bytes from `offset`; fails with ShortRead when fewer come.
    func get(_ path: S3Path, offset: Int, length: Int) -> EventLoopFuture<[UInt8]> {
        let last = offset + length - 1
        return send(S3Request(method: .GET, path: path, headers: [("range", "bytes=\(offset)-\(last)")]))
            .flatMapThrowing { response in
                let bytes = response.bodyBytes
                guard bytes.count == length else {
                    throw S3Error(object: path.description, code: "ShortRead",
                                  message: "asked for bytes \(offset)-\(last), got \(bytes.count) bytes", status: response.status)
                }
                return bytes
            }
    }

    /// One page of the keys under `prefix`; with `delimiter`, keys below a further "/" are rolled up
    /// into common prefixes.
    func listPage(bucket: String, prefix: String, delimiter: String?, token: String?, maxKeys: Int? = nil)
        -> EventLoopFuture<S3XML.ListPage>
    {
        var query = [("list-type", "2"), ("prefix", prefix)]
        if let delimiter { query.append(("delimiter", delimiter)) }
        if let token { query.append(("continuation-token", token)) }
        if let maxKeys { query.append(("max-keys", String(maxKeys))) }
        return send(S3Request(method: .GET, path: S3Path(bucket: bucket, key: ""), query: query))
            .map { S3XML.listPage($0.bodyText) }
    }

    func put(_ path: S3Path, body: [UInt8]) -> EventLoopFuture<Void> {
        send(S3Request(method: .PUT, path: path, body: body)).map { _ in }
    }

    func createMultipartUpload(_ path: S3Path) -> EventLoopFuture<String> {
        send(S3Request(method: .POST, path: path, query: [("uploads", "")])).flatMapThrowing { response in
            guard let id = S3XML.text("UploadId", in: response.bodyText[...]) else {
                throw S3Error(object: path.description, code: "MalformedResponse", message: "CreateMultipartUpload answered without an UploadId")
            }
            return id
        }
    }

    /// The part's ETag.
    func uploadPart(_ path: S3Path, uploadId: String, number: Int, body: [UInt8]) -> EventLoopFuture<String> {
        send(S3Request(method: .PUT, path: path, query: [("partNumber", String(number)), ("uploadId", uploadId)], body: body))
            .flatMapThrowing { response in
                guard let etag = response.headers.first(name: "etag") else {
                    throw S3Error(object: path.description, code: "MalformedResponse", message: "UploadPart \(number) answered without an ETag")
                }
                return etag
            }
    }

    func completeMultipartUpload(_ path: S3Path, uploadId: String, etags: [String]) -> EventLoopFuture<Void> {
        let body = Array(S3XML.completeMultipartUpload(etags: etags).utf8)
        return send(S3Request(method: .POST, path: path, query: [("uploadId", uploadId)],
                              headers: [("content-type", "application/xml")], body: body)).map { _ in }
    }

    func abortMultipartUpload(_ path: S3Path, uploadId: String) -> EventLoopFuture<Void> {
        send(S3Request(method: .DELETE, path: path, query: [("uploadId", uploadId)])).map { _ in }
    }

    func createBucket(_ bucket: String) -> EventLoopFuture<Void> {
        send(S3Request(method: .PUT, path: S3Path(bucket: bucket, key: ""))).map { _ in }
    }

    func deleteObject(_ path: S3Path) -> EventLoopFuture<Void> {
        send(S3Request(method: .DELETE, path: path)).map { _ in }
    }

    /// Deletes up to 1000 keys of one bucket; fails naming the first key S3 could not delete.
    func deleteObjects(bucket: String, keys: [String]) -> EventLoopFuture<Void> {
        let body = Array(S3XML.delete(keys: keys).utf8)
        let md5 = Data(Insecure.MD5.hash(data: body)).base64EncodedString()
        let request = S3Request(method: .POST, path: S3Path(bucket: bucket, key: ""), query: [("delete", "")],
                                headers: [("content-md5", md5), ("content-type", "application/xml")], body: body)
        return send(request).flatMapThrowing { response in
            // Per-key failures come as <Error> entries of a 200 answer.
            let text = response.bodyText
            if let first = S3XML.elements("Error", in: text[...]).first {
                let key = S3XML.text("Key", in: first) ?? ""
                throw S3Error(object: S3Path(bucket: bucket, key: key).description,
                              code: S3XML.text("Code", in: first) ?? "DeleteFailed",
                              message: S3XML.text("Message", in: first) ?? "", status: response.status)
            }
        }
    }
}
