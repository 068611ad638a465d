// The few XML documents S3 sends and takes, read and written without an XML library: S3 writes
// them itself, flat, without attributes on the elements read here, so a scan for the element names
// is enough. Entities are decoded (&amp; &lt; &gt; &quot; &apos; &#N; &#xN;).
//
// ListObjectsV2 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html):
//   <ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>T</NextContinuationToken>
//     <Contents><Key>dir/a</Key><Size>12</Size>...</Contents>...
//     <CommonPrefixes><Prefix>dir/sub/</Prefix></CommonPrefixes>...</ListBucketResult>
// Errors (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#RESTErrorResponses):
//   <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>...</Error>
// CreateMultipartUpload (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html):
//   <InitiateMultipartUploadResult>...<UploadId>ID</UploadId></InitiateMultipartUploadResult>
// CompleteMultipartUpload (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html):
//   sent: <CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"…"</ETag></Part>...</CompleteMultipartUpload>
//   may answer 200 with an <Error> body, which is a failure.
// DeleteObjects (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html):
//   sent: <Delete><Quiet>true</Quiet><Object><Key>k</Key></Object>...</Delete> (≤ 1000 keys, Content-MD5 required)
//   answer: <DeleteResult><Error><Key>k</Key><Code>AccessDenied</Code>...</Error>...</DeleteResult>

import Foundation

enum S3XML {
    /// The inner text of each `<name>…</name>` in `xml`, in order (not nested in one another).
    static func elements(_ name: String, in xml: Substring) -> [Substring] {
        var out: [Substring] = []
        var rest = xml[...]
        let open = "<\(name)>", close = "</\(name)>"
        while let start = rest.range(of: open) {
            guard let end = rest.range(of: close, range: start.upperBound..<rest.endIndex) else { break }
            out.append(rest[start.upperBound..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return out
    }

    /// The decoded text of the first `<name>` in `xml`.
    static func text(_ name: String, in xml: Substring) -> String? {
        guard let first = elements(name, in: xml).first else { return nil }
        return unescape(first)
    }

    static func unescape(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var out = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                var scalar: UInt32?
                if entity.hasPrefix("#x") { scalar = UInt32(entity.dropFirst(2), radix: 16) }
                else if entity.hasPrefix("#") { scalar = UInt32(entity.dropFirst(), radix: 10) }
                if let scalar, let u = Unicode.Scalar(scalar) { out.unicodeScalars.append(u) }
                else { out += "&\(entity);" }
            }
            rest = rest[rest.index(after: semi)...]
        }
        out += rest
        return out
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// One page of a ListObjectsV2 answer.
    struct ListPage: Equatable {
        var objects: [(key: String, size: Int64)]
        var prefixes: [String]
        var continuationToken: String?

        static func == (a: ListPage, b: ListPage) -> Bool {
            a.objects.map(\.key) == b.objects.map(\.key) && a.objects.map(\.size) == b.objects.map(\.size)
                && a.prefixes == b.prefixes && a.continuationToken == b.continuationToken
        }
    }

    static func listPage(_ xml: String) -> ListPage {
        let doc = xml[...]
        let objects = elements("Contents", in: doc).map { entry in
            (key: text("Key", in: entry) ?? "", size: Int64(text("Size", in: entry) ?? "") ?? 0)
        }
        let prefixes = elements("CommonPrefixes", in: doc).compactMap { text("Prefix", in: $0) }
        let truncated = text("IsTruncated", in: doc) == "true"
        return ListPage(objects: objects, prefixes: prefixes,
                        continuationToken: truncated ? text("NextContinuationToken", in: doc) : nil)
    }

    static func completeMultipartUpload(etags: [String]) -> String {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for (i, etag) in etags.enumerated() {
            xml += "<Part><PartNumber>\(i + 1)</PartNumber><ETag>\(escape(etag))</ETag></Part>"
        }
        return xml + "</CompleteMultipartUpload>"
    }

    static func delete(keys: [String]) -> String {
        var xml = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>"
        for key in keys { xml += "<Object><Key>\(escape(key))</Key></Object>" }
        return xml + "</Delete>"
    }
}
