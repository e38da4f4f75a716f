import Foundation
import KerasTestSupport
import VizCore
import XCTest

@testable import HDF5

/// The libhdf5 wrapper on its own: every string encoding Keras files use, datasets, and files that
/// are missing, not HDF5, or damaged.
final class HDF5FileTests: TemporaryFilesTestCase {
    func testReadsStringAttributesInEveryEncodingH5pyWrites() throws {
        let path = temporaryPath("strings.h5")
        do {
            let writer = try HDF5TestWriter(creating: path)
            try writer.setString("{\"class_name\": \"Sequential\"}", attribute: "model_config")
            try writer.setString("2.15.0", attribute: "keras_version", utf8: true)
            try writer.setString("2.2.5", attribute: "fixed_scalar", storage: .fixedLength)
            try writer.setStrings(["conv2d_1", "dense"], attribute: "fixed_names", storage: .fixedLength)
            try writer.setStrings(["conv2d/kernel", "conv2d/bias"], attribute: "vlen_names", storage: .variableLength)
            try writer.setStrings(["a", "bb"], attribute: "chunked0", storage: .fixedLength)
            try writer.setStrings(["ccc"], attribute: "chunked1", storage: .fixedLength)
            try writer.setString("Größe", attribute: "utf8_text", utf8: true)
            try writer.setEmptyList(attribute: "weight_names", on: "/")
            try writer.setNumbers([1, 2], attribute: "numbers")
        }
        let root = try HDF5File(path: path).root()
        XCTAssertEqual(try root.stringAttribute("model_config"), "{\"class_name\": \"Sequential\"}")
        XCTAssertEqual(try root.stringAttribute("keras_version"), "2.15.0")
        XCTAssertEqual(try root.stringAttribute("fixed_scalar"), "2.2.5")
        XCTAssertEqual(try root.stringListAttribute("fixed_names"), ["conv2d_1", "dense"])
        XCTAssertEqual(try root.stringListAttribute("vlen_names"), ["conv2d/kernel", "conv2d/bias"])
        XCTAssertEqual(try root.stringListAttribute("chunked"), ["a", "bb", "ccc"])
        XCTAssertEqual(try root.stringAttribute("utf8_text"), "Größe")
        XCTAssertEqual(try root.stringListAttribute("weight_names"), [])
        XCTAssertNil(try root.stringAttribute("absent"))
        XCTAssertNil(try root.stringListAttribute("absent"))
        assertVizError(try root.stringListAttribute("numbers"), at: path, "attribute 'numbers' of /", "does not hold text")
        assertVizError(try root.stringAttribute("fixed_names"), at: path, "holds 2 strings, expected one")
    }

    func testReadsDatasetsByPathsThatContainSlashesAndColons() throws {
        let path = temporaryPath("weights.h5")
        let kernel = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        do {
            let writer = try HDF5TestWriter(creating: path)
            try writer.writeDataset("/layer/inner/kernel:0", kernel)
            try writer.writeDataset("/scalar", Tensor(shape: [], scalars: [7]))
        }
        let root = try HDF5File(path: path).root()
        XCTAssertTrue(root.contains("layer/inner/kernel:0"))
        XCTAssertFalse(root.contains("layer/missing/kernel:0"))
        XCTAssertFalse(root.contains("missing"))
        let layer = try root.group("layer")
        XCTAssertEqual(layer.path, "/layer")
        XCTAssertEqual(try layer.floatDataset("inner/kernel:0"), kernel)
        XCTAssertEqual(try root.floatDataset("scalar"), Tensor(shape: [], scalars: [7]))
        assertVizError(try layer.floatDataset("inner/bias:0"), at: path, "/layer/inner/bias:0")
        assertVizError(try root.group("nowhere"), at: path, "no group /nowhere")
    }

    /// A soft link is followed to what it names, as libhdf5 would; a link into another file never
    /// is, so a model file cannot make vizrun read other files.
    func testFollowsSoftLinksButNeverLinksToOtherFiles() throws {
        let other = temporaryPath("other.h5")
        try HDF5TestWriter(creating: other).writeDataset("/secret/kernel", Tensor(shape: [1], scalars: [42]))
        let path = temporaryPath("links.h5")
        let kernel = Tensor(shape: [2], scalars: [1, 2])
        do {
            let writer = try HDF5TestWriter(creating: path)
            try writer.writeDataset("/layers/conv/kernel", kernel)
            try writer.linkSoftly("/alias", to: "/layers/conv")
            try writer.linkSoftly("/layers/relative", to: "conv")
            try writer.linkSoftly("/dangling", to: "/nowhere")
            try writer.linkExternally("/outside", toFile: other, object: "/secret")
        }
        let root = try HDF5File(path: path).root()
        XCTAssertEqual(try root.floatDataset("alias/kernel"), kernel)
        XCTAssertEqual(try root.group("layers/relative").floatDataset("kernel"), kernel)
        XCTAssertFalse(root.contains("alias/bias"))
        assertVizError(try root.group("dangling"), at: path, "no group /dangling")
        XCTAssertTrue(root.contains("outside/kernel"))
        let refusal = "cannot open /outside: it is a link to another file, which vizrun does not follow"
        assertVizError(try root.group("outside"), at: path, refusal)
        assertVizError(try root.floatDataset("outside/kernel"), at: path, refusal)
    }

    /// Once the probe's child has read a file, what it did not report is never read in-process: an
    /// attribute of a group it reached but whose attributes it could not list, and a group it did
    /// not reach (damaged files that do this are in Tests/Fixtures/fuzz; this builds the report).
    func testWhatTheProbesChildDidNotReachIsNeverRead() throws {
        let path = temporaryPath("probed.h5")
        do {
            let writer = try HDF5TestWriter(creating: path)
            try writer.setString("{}", attribute: "model_config")
            try writer.writeDataset("/layers/dense/kernel", Tensor(shape: [1], scalars: [1]))
        }
        let file = try HDF5File(path: path)
        let root = try file.root()
        XCTAssertEqual(try root.stringAttribute("model_config"), "{}")
        var report = ProbedFile()
        report.recordReached(objectAt: try XCTUnwrap(root.objectAddress))
        report.recordReached(objectAt: try XCTUnwrap(root.group("layers").objectAddress))
        file.probed = try XCTUnwrap(ProbedFile(decoding: report.encoded))
        XCTAssertTrue(root.contains("layers/dense/kernel"))
        assertVizError(
            try root.stringAttribute("model_config"), at: path,
            "cannot read attribute 'model_config' of /: libhdf5's walk of the file does not reach it")
        assertVizError(
            try root.floatDataset("layers/dense/kernel"), at: path,
            "cannot open /layers/dense: libhdf5's walk of the file does not reach it, so the file is damaged or crafted")
    }

    /// A member extracted from an archive is opened from its temporary file but named as the member.
    /// A shape whose values could never fit in memory is refused before anything is allocated
    /// (it once stopped the process with "failed to allocate … bytes").
    func testADatasetClaimingMoreThanMemoryIsRefused() throws {
        let path = temporaryPath("huge.h5")
        try HDF5TestWriter(creating: path).declareDataset("huge", shape: [1 << 28, 1 << 28])
        assertVizError(
            try HDF5File(path: path).root().floatDataset("huge"), at: path,
            "cannot read dataset /huge: its shape [268435456, 268435456] is too large")
    }

    func testErrorsNameTheFileAsReported() throws {
        let reference = try FixtureReference("k2_sequential")
        let file = try HDF5File(path: reference.modelPath, reportedAs: "archive.keras/model.weights.h5")
        XCTAssertEqual(file.path, "archive.keras/model.weights.h5")
        assertVizError(try file.root().group("nowhere"), at: "archive.keras/model.weights.h5", "no group /nowhere")
        let foreign = temporaryPath("foreign.h5")
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: foreign))
        assertVizError(
            try HDF5File(path: foreign, reportedAs: "archive.keras/model.weights.h5"),
            at: "archive.keras/model.weights.h5", "not an HDF5 file")
    }

    func testRefusesMissingForeignAndTruncatedFiles() throws {
        let missing = temporaryPath("missing.h5")
        assertVizError(try HDF5File(path: missing), at: missing, "no such file")

        assertVizError(try HDF5File(path: temporaryPath("")), at: temporaryPath(""), "is a folder")

        let garbage = temporaryPath("garbage.h5")
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: garbage))
        assertVizError(try HDF5File(path: garbage), at: garbage, "not an HDF5 file")

        let whole = try Data(contentsOf: URL(fileURLWithPath: try FixtureReference("k2_sequential").modelPath))
        let truncated = temporaryPath("truncated.h5")
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: truncated))
        assertVizError(try HDF5File(path: truncated), at: truncated, "truncated or damaged", "libhdf5:")
    }
}
