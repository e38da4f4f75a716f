import Foundation

/// The one place where text becomes HTML: every name, path and number the report shows passes
/// through here, so a layer called `<script>` stays text.
package enum HTML {
    /// Text for element content and for quoted attribute values.
    package static func escape(_ text: String) -> String {
        // Names and paths rarely hold any of these; a byte scan is far cheaper than walking characters.
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
            return text
        }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// RFC 3986's unreserved characters, built once: a report links thousands of paths.
    private static let unreservedCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
    private static let unreserved = CharacterSet(charactersIn: unreservedCharacters)
    /// Whether each byte is unreserved or `/`, by value.
    private static let keptInLinks: [Bool] = (0...255).map { byte in
        byte == Int(UInt8(ascii: "/")) || unreservedCharacters.utf8.contains(UInt8(byte))
    }

    /// A relative path inside the output folder as an attribute value: each component
    /// percent-encoded (so `#`, `?` or `:` never turn it into a fragment, a query or a scheme), then escaped.
    package static func link(_ relativePath: String) -> String {
        // The paths vizrun writes are made of safe names: most need no encoding at all.
        if relativePath.utf8.allSatisfy({ keptInLinks[Int($0)] }) { return relativePath }
        let encoded = relativePath.split(separator: "/", omittingEmptySubsequences: false)
            .map { String($0).addingPercentEncoding(withAllowedCharacters: unreserved) ?? "_" }
            .joined(separator: "/")
        return escape(encoded)
    }
}
