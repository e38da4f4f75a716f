import Foundation
import HDF5
import XCTest

/// The `model_config` of a copied fixture, parsed for a test to change and write back: the way
/// to make files in the shapes of other Keras versions, or broken in one precise way.
public struct EditableModelConfig {
    public let path: String
    public var json: [String: Any]

    public init(of path: String) throws {
        self.path = path
        let text = try XCTUnwrap(try HDF5File(path: path).root().stringAttribute("model_config"))
        json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    public func write() throws {
        let data = try JSONSerialization.data(withJSONObject: json)
        try HDF5TestWriter(editing: path).setString(String(decoding: data, as: UTF8.self), attribute: "model_config")
    }

    public var layers: [[String: Any]] {
        get { (json["config"] as? [String: Any])?["layers"] as? [[String: Any]] ?? [] }
        set {
            var config = json["config"] as? [String: Any] ?? [:]
            config["layers"] = newValue
            json["config"] = config
        }
    }

    /// Changes the entry of one layer (`class_name`, `config`, `inbound_nodes`).
    public mutating func editLayer(_ name: String, _ edit: (inout [String: Any]) throws -> Void) throws {
        var all = layers
        let index = try XCTUnwrap(
            all.firstIndex { ($0["config"] as? [String: Any])?["name"] as? String == name },
            "no layer \(name) in \(path)")
        try edit(&all[index])
        layers = all
    }

    /// Changes one layer's `config` object.
    public mutating func editLayerOptions(_ name: String, _ edit: (inout [String: Any]) throws -> Void) throws {
        try editLayer(name) { entry in
            var options = try XCTUnwrap(entry["config"] as? [String: Any])
            try edit(&options)
            entry["config"] = options
        }
    }
}
