import Foundation
import VizCore
import VizTesting
import XCTest

final class ConfigNodeTests: XCTestCase {
    private func parse(_ yaml: String, file: String = "cfg.yaml") throws -> ConfigNode {
        try ConfigNode.parse(yaml: yaml, file: file)
    }

    // MARK: - Syntax errors

    func testSyntaxErrorGivesFileLineAndColumn() {
        // The second ':' on line 2 is at column 5.
        let error = vizError { try self.parse("model: m.h5\nb: c: d\n") }
        XCTAssertEqual(error?.location, "cfg.yaml:2:5")
        XCTAssertTrue(error?.message.contains("invalid YAML") == true, error?.description ?? "")
        XCTAssertTrue(
            error?.message.hasSuffix("\nb: c: d\n    ^") == true, "quotes the line with a caret: \(error?.message ?? "")")

        let unclosed = vizError { try self.parse("a: 1\nruns:\n  - [1, 2\n  - x\n") }
        XCTAssertNotNil(
            unclosed?.location?.range(of: #"^cfg\.yaml:\d+:\d+$"#, options: .regularExpression),
            unclosed?.location ?? "no location")
    }

    func testEmptyConfigIsAnError() {
        XCTAssertEqual(vizError { try self.parse("") }?.location, "cfg.yaml")
        XCTAssertEqual(vizError { try self.parse("# only a comment\n") }?.location, "cfg.yaml")
    }

    func testLoadReportsAMissingFile() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString).yaml").path
        XCTAssertEqual(vizError { try ConfigNode.load(file: path) }?.location, path)
    }

    // MARK: - Duplicate keys

    func testDuplicateKeysAreRejected() {
        XCTAssertNotNil(vizError { try self.parse("model: m.h5\noutput: {dir: out}\nmodel: n.h5\n").mapping() })
        XCTAssertNotNil(vizError { try self.parse("runs:\n  - visualizer: a\n    layer: x\n    layer: y\n").mapping() })
    }

    /// The duplicate-key error should read like every other config error: one `file:line:column`
    /// location and a short message naming the key, not the whole YAML document.
    func testDuplicateKeyErrorIsLocatedAndShort() {
        let yaml = "model: m.h5\noutput:\n  dir: out\n  arrays: true\n  dir: other\n"
        let error = vizError { try self.parse(yaml).mapping() }
        XCTAssertNotNil(
            error?.location?.range(of: #"^cfg\.yaml:\d+:\d+$"#, options: .regularExpression),
            "location: \(error?.location ?? "nil")")
        XCTAssertTrue(error?.message.contains("'dir'") == true, error?.message ?? "")
        XCTAssertFalse(error?.message.contains("arrays: true") == true, "does not dump the document: \(error?.message ?? "")")
    }

    // MARK: - Locations of values

    private let runsYAML = """
        model: m.h5
        runs:
          - visualizer: activations
            layers: all
          - visualizer: filters
            layers: lots
            steps: 40
        """

    func testKeyPathsAndPositionsAppearInErrors() throws {
        let root = try parse(runsYAML).mapping()
        let runs = try root.required("runs").sequence()
        XCTAssertEqual(runs.count, 2)
        let layers = try runs[1].mapping().required("layers")
        XCTAssertEqual(layers.keyPath, "runs[1].layers")
        XCTAssertEqual([layers.line, layers.column], [6, 13])
        let error = vizError { try layers.int() }
        XCTAssertEqual(error?.location, "cfg.yaml:6:13")
        XCTAssertTrue(error?.message.contains("(at runs[1].layers)") == true, error?.message ?? "")
        XCTAssertTrue(error?.message.contains("'lots'") == true, "names the value found: \(error?.message ?? "")")

        // A missing key is reported at its mapping, with the mapping's key path.
        let missing = vizError { try runs[0].mapping().required("colormap") }
        XCTAssertTrue(missing?.message.contains("'colormap'") == true, missing?.message ?? "")
        XCTAssertTrue(missing?.message.contains("(at runs[0])") == true, missing?.message ?? "")
        XCTAssertEqual(missing?.location, "cfg.yaml:3:5")

        XCTAssertEqual(try runs[1].mapping().required("steps").int(), 40)
        XCTAssertEqual(try runs[0].mapping().required("visualizer").string(), "activations")
    }

    func testTypeMismatchesAreErrors() throws {
        let m = try parse("n: 3\nq: '3'\nlist: [1, 2]\nflag: yes\nnothing: ~\nsize: 1_000\n").mapping()
        XCTAssertEqual(try m.required("n").int(), 3)
        XCTAssertNotNil(vizError { try m.required("q").int() }, "a quoted number is a string")
        XCTAssertEqual(try m.required("q").string(), "3")
        XCTAssertNotNil(vizError { try m.required("list").string() })
        XCTAssertEqual(try m.required("list").sequence().map { try $0.int() }, [1, 2])
        XCTAssertEqual(try m.required("n").list().count, 1, "a single value is a list of one")
        XCTAssertNotNil(vizError { try m.required("n").mapping() })
        XCTAssertEqual(try m.required("flag").bool(), true)
        XCTAssertNil(m.optional("nothing"), "null is absent")
        XCTAssertNotNil(vizError { try m.required("nothing") })
        XCTAssertEqual(try m.required("size").int(), 1_000)
    }

    // MARK: - Unknown keys

    func testUnknownKeySuggestsTheClosestKnownKey() throws {
        let m = try parse("visualizer: gradcam\nlayr: block5_conv3\nalpha: 0.4\n").mapping()
        m.ignore("visualizer")
        _ = m.optional("layer")
        _ = m.optional("alpha")
        let error = vizError { try m.finish() }
        XCTAssertEqual(error?.location, "cfg.yaml:2:1", "points at the unknown key")
        XCTAssertTrue(error?.message.contains("unknown key 'layr'") == true, error?.message ?? "")
        XCTAssertTrue(error?.message.contains("did you mean 'layer'?") == true, error?.message ?? "")
    }

    func testUnknownKeyWithoutCloseMatchListsTheKnownKeys() throws {
        let m = try parse("colormap: jet\nzzzzzz: 1\n").mapping()
        _ = m.optional("colormap")
        _ = m.optional("alpha")
        let error = vizError { try m.finish() }
        XCTAssertTrue(error?.message.contains("unknown key 'zzzzzz'") == true, error?.message ?? "")
        XCTAssertTrue(error?.message.contains("known keys: alpha, colormap") == true, error?.message ?? "")
        XCTAssertEqual(error?.location, "cfg.yaml:2:1")
    }

    func testReadAndExtraKeysAreKnown() throws {
        let m = try parse("a: 1\nb: 2\nc: 3\n").mapping()
        _ = m.optional("a")
        m.ignore("b")
        XCTAssertNoThrow(try m.finish(known: ["c"]))
        XCTAssertNotNil(vizError { try m.finish() }, "c was neither read nor declared")
        XCTAssertEqual(m.keys, ["a", "b", "c"], "in file order")
    }

    // MARK: - Numbers

    func testDoubleAcceptsFractions() throws {
        let m = try parse(
            """
            scale: 1/255
            quoted: "1/255"
            spaced: 3 / 4
            plain: 0.5
            negative: -2/8
            exponent: 1e-3
            zero: 1/0
            text: half
            three: 1/2/3
            infinite: .inf
            """
        ).mapping()
        XCTAssertEqual(try m.required("scale").double(), 1.0 / 255, accuracy: 1e-15)
        XCTAssertEqual(try m.required("quoted").double(), 1.0 / 255, accuracy: 1e-15)
        XCTAssertEqual(try m.required("spaced").double(), 0.75)
        XCTAssertEqual(try m.required("plain").double(), 0.5)
        XCTAssertEqual(try m.required("negative").double(), -0.25)
        XCTAssertEqual(try m.required("exponent").double(), 1e-3)
        for key in ["zero", "text", "three", "infinite"] {
            let error = vizError { try m.required(key).double() }
            XCTAssertTrue(error?.message.contains("(at \(key))") == true, "\(key): \(error?.message ?? "")")
        }
    }

    // MARK: - Paths

    func testPathResolvesAgainstTheConfigFolder() throws {
        let m = try parse(
            "model: models/m.h5\nup: ../data/x.npy\nabsolute: /srv/m.h5\nhere: ./a.png\n",
            file: "/work/project/configs/run.yaml"
        ).mapping()
        XCTAssertEqual(try m.required("model").path(), "/work/project/configs/models/m.h5")
        XCTAssertEqual(try m.required("up").path(), "/work/project/data/x.npy")
        XCTAssertEqual(try m.required("absolute").path(), "/srv/m.h5")
        XCTAssertEqual(try m.required("here").path(), "/work/project/configs/a.png")
    }

    func testPathOfARelativeConfigFileIsAbsolute() throws {
        let m = try parse("model: m.h5\n", file: "configs/run.yaml").mapping()
        let cwd = FileManager.default.currentDirectoryPath
        XCTAssertEqual(
            try m.required("model").path(),
            URL(fileURLWithPath: cwd).appendingPathComponent("configs/m.h5").standardizedFileURL.path)
        XCTAssertTrue(try m.required("model").path().hasPrefix("/"))
    }
}
