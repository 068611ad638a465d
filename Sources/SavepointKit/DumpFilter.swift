/// Which entries `dump` prints.
public struct DumpFilter: Sendable {
    public var operatorSelector: String?
    public var stateName: String?
    /// The key to match, as parsed JSON (compared with each entry's key rendered as JSON).
    public var keyJSON: JSONValue?
    public var limit: Int?

    public init() {}

    public static func parseKey(_ text: String) throws -> JSONValue {
        guard let value = JSONValue.parse(Array(text.utf8)) else {
            throw SavepointError.usage("--key must be a JSON value, e.g. '\"k42\"' or 42; got \(text)")
        }
        return value
    }
}

