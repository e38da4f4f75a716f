import Foundation
import VizCore
import VizRunner
import XCTest

/// Runs that use an earlier run's results (`{from: RUN, …}`): what they compute, and every way a
/// reference can be wrong, found before any work starts.
final class PipelineTests: RunnerTestCase {
    /// The demo model over two images, with the given runs section.
    func pipelineConfig(runs: String) -> String {
        """
        model: \(Self.demoModel)
        input:
          images: [\(Self.demoImage), \(Self.secondImage)]
          size: [150, 150]
          scale: 1/255
        output:
          dir: out
        runs:
        \(runs)
        """
    }

    func testGradCAMExplainsTheTopThreeClassesOfAnEarlierRun() throws {
        let path = try write(
            pipelineConfig(
                runs: """
                      - visualizer: gradcam
                        name: preds
                      - visualizer: gradcam
                        name: cam3
                        class: {from: preds, top: 3}
                    """))
        let manifest = try Runner(registry: .builtins()).run(configAt: path).manifest()
        let preds = try XCTUnwrap(manifest.runs.first { $0.name == "preds" })
        let cam = try XCTUnwrap(manifest.runs.first { $0.name == "cam3" })
        XCTAssertEqual(cam.options?["class"], "{from: preds, top: 3}")
        let predictions = try XCTUnwrap(preds.predictions)
        XCTAssertEqual(predictions.count, 2)
        for record in predictions {
            let expected = record.top.prefix(3).map(\.classIndex)
            let drawn = cam.artifacts.filter { $0.input == record.input && $0.kind == "array" && $0.role == "heatmap" }
                .map(\.classIndex)
            XCTAssertEqual(drawn, expected, record.input)
        }
        // The two images are predicted differently, so the classes really follow each input.
        XCTAssertNotEqual(predictions[0].top[0].classIndex, predictions[1].top[0].classIndex)
    }

    func testFilterPatternsOfTheMostActiveChannelsOfAnActivationsRun() throws {
        let path = try write(
            pipelineConfig(
                runs: """
                      - visualizer: filters
                        name: first
                        layer: conv2d
                        filters: 1
                        steps: 1
                      - visualizer: activations
                        name: acts
                        layers: [conv2d, conv2d_1]
                      - visualizer: filters
                        name: active
                        layer: conv2d_1
                        filters: {from: acts, most_active: 5}
                        steps: 2
                        start: {low: 0, high: 1}
                    """))
        let manifest = try Runner(registry: .builtins()).run(configAt: path).manifest()
        let expected = try mostActiveChannels(5, of: "conv2d_1", in: manifest, inputs: 2)
        let active = try XCTUnwrap(manifest.runs.first { $0.name == "active" })
        let patterns = active.artifacts.filter { $0.role == "pattern" && $0.kind == "image" }
        XCTAssertEqual(patterns.map(\.filter), expected.map { Optional($0) })
        XCTAssertTrue(patterns.allSatisfy { $0.layer == "conv2d_1" })
        XCTAssertNotEqual(expected, Array(0..<5), "the test needs channels other than the first five to be most active")
    }

    func testARerunPicksTheMostActiveChannelsOverReusedAndNewInputs() throws {
        let runs = """
              - visualizer: activations
                name: acts
                layers: [conv2d_1]
              - visualizer: filters
                layer: conv2d_1
                filters: {from: acts, most_active: 5}
                steps: 1
            """
        let both = pipelineConfig(runs: runs)
        let path = try write(both.replacingOccurrences(of: "\(Self.demoImage), \(Self.secondImage)", with: Self.demoImage))
        try Runner(registry: .builtins()).run(configAt: path)
        try write(both)
        var lines: [String] = []
        let manifest = try Runner(registry: .builtins(), log: { lines.append($0) }).run(configAt: path).manifest()
        XCTAssertTrue(lines.contains { $0.contains("reusing the complete results of 1 input(s)") }, "\(lines)")
        let expected = try mostActiveChannels(5, of: "conv2d_1", in: manifest, inputs: 2)
        let patterns = try XCTUnwrap(manifest.runs.first { $0.name == "filters" }).artifacts
            .filter { $0.role == "pattern" && $0.kind == "image" }
        XCTAssertEqual(patterns.map(\.filter), expected.map { Optional($0) })
    }

    /// The `count` channels of `layer` with the highest mean activation, averaged over the inputs,
    /// computed from the `acts` run's arrays in the output folder.
    func mostActiveChannels(_ count: Int, of layer: String, in manifest: Manifest, inputs: Int) throws -> [Int] {
        let acts = try XCTUnwrap(manifest.runs.first { $0.name == "acts" })
        var sums: [Double] = []
        let arrays = acts.artifacts.filter { $0.role == "activation" && $0.layer == layer && $0.kind == "array" }
        XCTAssertEqual(arrays.count, inputs)
        for artifact in arrays {
            let activation = try Tensor(
                npyFileAt: folder.appendingPathComponent("out").appendingPathComponent(artifact.path).path)
            let channels = activation.shape.last!
            let positions = activation.count / channels
            if sums.isEmpty { sums = Array(repeating: 0, count: channels) }
            for index in 0..<activation.count { sums[index % channels] += Double(activation.scalars[index]) / Double(positions) }
        }
        return Array(sums.indices.sorted { sums[$0] > sums[$1] }.prefix(count))
    }

    func testAShardRefusesARunThatNeedsEveryInput() throws {
        let path = try write(
            pipelineConfig(
                runs: """
                      - visualizer: activations
                        name: acts
                        layers: [conv2d]
                      - visualizer: filters
                        layer: conv2d
                        filters: {from: acts, most_active: 2}
                    """))
        do {
            try Runner(registry: .builtins()).run(configAt: path, shard: Manifest.Shard(index: 0, count: 2))
            XCTFail("expected an error")
        } catch let error as VizError {
            XCTAssertEqual(error.location, try location(of: "acts, most", in: path))
            XCTAssertTrue(error.message.contains("without --shard"), error.message)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
    }

    // MARK: - Errors

    func testAnUnknownRunSuggestsTheClosest() throws {
        try assertError(
            runs: """
                  - visualizer: gradcam
                    name: preds
                  - visualizer: gradcam
                    class: {from: pred, top: 3}
                """, at: "pred, top", contains: "no run named 'pred'; did you mean 'preds'?")
    }

    func testALaterRunCannotBeUsed() throws {
        try assertError(
            runs: """
                  - visualizer: gradcam
                    class: {from: preds, top: 3}
                  - visualizer: gradcam
                    name: preds
                """, at: "preds, top", contains: "run 'preds' comes after run 'gradcam'")
    }

    func testARunCannotUseItsOwnResults() throws {
        try assertError(
            runs: """
                  - visualizer: gradcam
                    name: cam
                    class: {from: cam}
                """, at: "cam}", contains: "run 'cam' cannot use its own results")
    }

    func testAnActivationsRunDoesNotPredictClasses() throws {
        try assertError(
            runs: """
                  - visualizer: activations
                    name: acts
                  - visualizer: saliency
                    class: {from: acts, top: 2}
                """, at: "acts, top", contains: "run 'acts' (activations) does not predict classes")
    }

    func testTooFewPredictionsListed() throws {
        try assertError(
            runs: """
                  - visualizer: gradcam
                    name: preds
                    top: 2
                  - visualizer: gradcam
                    class: {from: preds, top: 3}
                """, at: "preds, top", contains: "lists 2 prediction(s) per input, fewer than the 3 needed")
    }

    func testALayerTheActivationsRunDoesNotCover() throws {
        try assertError(
            runs: """
                  - visualizer: activations
                    name: acts
                    layers: [conv2d]
                  - visualizer: filters
                    layer: conv2d_1
                    filters: {from: acts, most_active: 4}
                """, at: "acts, most", contains: "does not cover layer 'conv2d_1' (its layers: conv2d)")
    }

    func testAGradCAMRunDoesNotRecordChannelMeans() throws {
        try assertError(
            runs: """
                  - visualizer: gradcam
                    name: preds
                  - visualizer: filters
                    layer: conv2d
                    filters: {from: preds, most_active: 4}
                """, at: "preds, most", contains: "run 'preds' (gradcam) does not record channel means")
    }

    func testAReferenceWithoutFrom() throws {
        try assertError(
            runs: """
                  - visualizer: gradcam
                    name: preds
                  - visualizer: gradcam
                    class: {frm: preds}
                """, at: "frm", contains: "unknown key 'frm'; did you mean 'from'?")
    }

    func testAReferenceWithAnUnknownKey() throws {
        try assertError(
            runs: """
                  - visualizer: gradcam
                    name: preds
                  - visualizer: gradcam
                    class: {from: preds, tpo: 3}
                """, at: "tpo", contains: "unknown key 'tpo'; did you mean 'top'?")
    }

    func testMoreMostActiveChannelsThanTheLayerHas() throws {
        try assertError(
            runs: """
                  - visualizer: activations
                    name: acts
                  - visualizer: filters
                    layer: conv2d
                    filters: {from: acts, most_active: 33}
                """, at: "33", contains: "most_active 33 is out of range: layer 'conv2d' has 32 channels")
    }

    /// `file:line:column` of the first occurrence of `marker` in the file at `path`.
    func location(of marker: String, in path: String) throws -> String {
        let lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        let line = try XCTUnwrap(lines.firstIndex { $0.contains(marker) }, marker)
        let column = lines[line].distance(from: lines[line].startIndex, to: lines[line].range(of: marker)!.lowerBound)
        return "\(path):\(line + 1):\(column + 1)"
    }

    /// The config fails in `vizrun validate` and in a run, at `marker`, with `message`, writing nothing.
    func assertError(
        runs: String, at marker: String, contains message: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let path = try write(pipelineConfig(runs: runs))
        let error = runError(path, file: file, line: line)
        XCTAssertEqual(error?.location, try location(of: marker, in: path), file: file, line: line)
        XCTAssertTrue(error?.message.contains(message) ?? false, "\(String(describing: error))", file: file, line: line)
        XCTAssertTrue(error?.message.contains("^") ?? false, "no caret: \(String(describing: error))", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), file: file, line: line)
    }
}
