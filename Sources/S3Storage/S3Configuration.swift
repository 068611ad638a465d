// Where and as whom to talk to S3, taken exactly as the AWS CLI and SDKs take it:
//
// https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html
// https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
//
//   endpoint     AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then `endpoint_url` of the profile in the
//                config file; otherwise AWS itself (https://s3.REGION.amazonaws.com).
//   region       AWS_REGION, then AWS_DEFAULT_REGION, then `region` of the profile; otherwise us-east-1.
//   credentials  AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), then the profile's
//                aws_access_key_id / aws_secret_access_key / aws_session_token in the credentials file,
//                then in the config file; none: requests go unsigned (public buckets).
//   profile      AWS_PROFILE, otherwise "default". The credentials file (AWS_SHARED_CREDENTIALS_FILE,
//                default ~/.aws/credentials) names sections [NAME]; the config file (AWS_CONFIG_FILE,
//                default ~/.aws/config) names them [profile NAME], except [default].
//
// A custom endpoint (moto, MinIO, Ceph) is addressed path-style (http://host:port/bucket/key); AWS
// itself virtual-hosted (https://bucket.s3.region.amazonaws.com/key), except for bucket names with
// dots, which a certificate for *.s3.region.amazonaws.com cannot cover.

import Foundation

public struct S3Configuration: Sendable {
    /// scheme://host[:port] of a custom endpoint, nil for AWS itself.
    public var endpoint: String?
    public var region: String
    public var credentials: S3Credentials?

    public init(endpoint: String? = nil, region: String = "us-east-1", credentials: S3Credentials? = nil) {
        self.endpoint = endpoint.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.region = region
        self.credentials = credentials
    }

    /// The configuration the AWS CLI would use with this environment (and these files).
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> S3Configuration {
        func value(_ name: String) -> String? {
            guard let v = env[name], !v.isEmpty else { return nil }
            return v
        }
        let home = value("HOME") ?? NSHomeDirectory()
        let profile = value("AWS_PROFILE") ?? "default"
        let credentialsFile = SharedConfigFile(path: value("AWS_SHARED_CREDENTIALS_FILE") ?? "\(home)/.aws/credentials")
        let configFile = SharedConfigFile(path: value("AWS_CONFIG_FILE") ?? "\(home)/.aws/config")
        let fromCredentials = credentialsFile.section(profile)
        let fromConfig = configFile.section(profile == "default" ? "default" : "profile \(profile)")

        var credentials: S3Credentials?
        if let id = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") {
            credentials = S3Credentials(accessKeyId: id, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN"))
        } else {
            for section in [fromCredentials, fromConfig] {
                if let id = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] {
                    credentials = S3Credentials(accessKeyId: id, secretAccessKey: secret,
                                                sessionToken: section["aws_session_token"])
                    break
                }
            }
        }
        let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? fromConfig["region"] ?? "us-east-1"
        let endpoint = value("AWS_ENDPOINT_URL_S3") ?? value("AWS_ENDPOINT_URL") ?? fromConfig["endpoint_url"]
        return S3Configuration(endpoint: endpoint, region: region, credentials: credentials)
    }
}

/// The INI-like files of the AWS CLI: `[section]`, `name = value`, `#` and `;` comments; indented
/// lines (nested service settings such as `s3 =` blocks) are skipped.
struct SharedConfigFile {
    var sections: [String: [String: String]] = [:]

    init(path: String) {
        let data = FileManager.default.contents(atPath: path) ?? Data()
        self.init(text: String(decoding: data, as: UTF8.self))
    }

    init(text: String) {
        var current: String?
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            if raw.first == " " || raw.first == "\t" { continue }
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().split(separator: " ", omittingEmptySubsequences: true)
                    .joined(separator: " ")
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let section = current, let eq = line.firstIndex(of: "=") else { continue }
            let name = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if !value.isEmpty { sections[section]?[name] = value }
        }
    }

    func section(_ name: String) -> [String: String] { sections[name] ?? [:] }
}
