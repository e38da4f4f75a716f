import Foundation
import VizCore
import XCTest

@testable import VizRunner

/// The progress of a folder run as the user sees it: the real command with stderr on a
/// pseudo-terminal, on a pipe, and quiet; and the status line it shares with log lines.
final class ProgressTests: RunnerTestCase {
    /// Three images in batches of one: three progress updates.
    private func threeBatchConfig(brokenLast: Bool = false) throws -> String {
        let images = try photoFolder(["a.jpg", "b.png", "c.jpg"])
        if brokenLast {
            try Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46]).write(to: images.appendingPathComponent("c.jpg"))
        }
        return try write(
            """
            model: \(Self.demoModel)
            input:
              images: [images]
              scale: 1/255
              batch_size: 1
            output:
              dir: out
              arrays: false
            runs:
              - visualizer: activations
                layers: [conv2d]
            """)
    }

    /// Runs the command with stderr on a pseudo-terminal (stdout discarded) and returns every byte
    /// the terminal received.
    private func vizrunOnTerminal(_ arguments: [String]) throws -> (status: Int32, terminal: String) {
        var master: Int32 = -1
        var terminal: Int32 = -1
        guard openpty(&master, &terminal, nil, nil, nil) == 0 else {
            throw XCTSkip("no pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        defer { close(master) }
        // Neither end may leak into the child beyond its stderr, or the master never sees it close.
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(terminal, F_SETFD, FD_CLOEXEC)
        // Raw mode passes the bytes through as written ("\n" is not turned into "\r\n"), so the
        // test sees exactly what vizrun wrote.
        var settings = termios()
        XCTAssertEqual(tcgetattr(terminal, &settings), 0)
        cfmakeraw(&settings)
        XCTAssertEqual(tcsetattr(terminal, TCSANOW, &settings), 0)

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(fileDescriptor: terminal, closeOnDealloc: false)
        try process.run()
        close(terminal)
        // Reading the master side ends with EIO once the child, the terminal's last holder, exits.
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(master, &buffer, buffer.count)
            if count > 0 {
                received += buffer[..<count]
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: received, as: UTF8.self))
    }

    private static let finalLine = try! NSRegularExpression(pattern: "\rinputs 3/3, [0-9]+\\.[0-9] images/s, ETA 0s *\n")

    func testOnATerminalOneLineIsRedrawnAndEndsWithANewline() throws {
        let config = try threeBatchConfig()
        let (status, terminal) = try vizrunOnTerminal([config])
        XCTAssertEqual(status, 0, terminal)
        for count in 1...3 {
            XCTAssertTrue(terminal.contains("\rinputs \(count)/3, "), "redraw \(count) in \(terminal.debugDescription)")
        }
        XCTAssertEqual(
            Self.finalLine.numberOfMatches(in: terminal, range: NSRange(terminal.startIndex..., in: terminal)), 1,
            terminal.debugDescription)
        let lines = terminal.split(separator: "\n")
        XCTAssertFalse(lines.contains { $0.hasPrefix("inputs ") }, "no plain per-batch lines: \(terminal.debugDescription)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("3 input(s) in batches of 1") }, terminal.debugDescription)
        XCTAssertTrue(
            lines.last?.hasPrefix("wrote ") ?? false, "the last log line starts a line of its own: \(terminal.debugDescription)")
        XCTAssertTrue(terminal.hasSuffix("\n"))
    }

    func testAnErrorWhileTheLineIsShownStartsALineOfItsOwn() throws {
        let config = try threeBatchConfig(brokenLast: true)
        let (status, terminal) = try vizrunOnTerminal([config])
        XCTAssertEqual(status, 1, terminal)
        XCTAssertTrue(terminal.contains("\rinputs 2/3, "), terminal.debugDescription)
        let error = try XCTUnwrap(terminal.range(of: "vizrun: "), terminal.debugDescription)
        XCTAssertEqual(terminal[..<error.lowerBound].last, "\n", terminal.debugDescription)
        XCTAssertTrue(terminal[error.lowerBound...].contains("c.jpg"), terminal.debugDescription)
    }

    func testQuietOnATerminalShowsNothing() throws {
        let config = try threeBatchConfig()
        let (status, terminal) = try vizrunOnTerminal([config, "--quiet"])
        XCTAssertEqual(status, 0, terminal)
        XCTAssertEqual(terminal, "")
    }

    func testWithoutATerminalEachBatchIsOnePlainLine() throws {
        let config = try threeBatchConfig()
        let result = try vizrun([config])
        XCTAssertEqual(result.status, 0, result.stderr)
        let progress = result.stderr.split(separator: "\n").filter { $0.hasPrefix("inputs ") }
        XCTAssertEqual(progress.map { String($0.prefix(11)) }, ["inputs 1/3,", "inputs 2/3,", "inputs 3/3,"], result.stderr)
        XCTAssertTrue(progress.allSatisfy { $0.contains(" images/s, ETA ") }, result.stderr)
        XCTAssertFalse(result.stderr.contains("\r"), result.stderr)
    }

    /// A log line written while the line is shown takes the line's place, and the line is drawn again below it.
    func testALogLineWrittenWhileTheLineIsShownStartsALineOfItsOwn() {
        var written = ""
        let statusLine = StatusLine(isTerminal: true) { written += $0 }
        let progress = ProgressBar.inputs(
            total: 2, showsProgress: true, log: { _ in XCTFail("no plain lines on a terminal") },
            statusLine: statusLine)
        progress.advance(by: 1)
        let first = written
        XCTAssertTrue(first.hasPrefix("\rinputs 1/2, ") && !first.contains("\n"), first.debugDescription)
        statusLine.print("a note")
        let shown = String(first.dropFirst())
        XCTAssertEqual(written, first + "\ra note" + String(repeating: " ", count: shown.count - 6) + "\n" + shown)
        progress.advance(by: 1)
        let lastDraw = written.components(separatedBy: "\r").last ?? ""
        XCTAssertTrue(lastDraw.hasPrefix("inputs 2/2, ") && lastDraw.hasSuffix("\n"), written.debugDescription)
        statusLine.print("done")
        XCTAssertTrue(written.hasSuffix("\ndone\n"), written.debugDescription)
    }

    func testAShorterLineCoversTheLongerOne() {
        var written = ""
        let statusLine = StatusLine(isTerminal: true) { written += $0 }
        statusLine.show("inputs 9/10, ETA 1m05s")
        statusLine.show("inputs 10/10, ETA 0s")
        XCTAssertEqual(written, "\rinputs 9/10, ETA 1m05s\rinputs 10/10, ETA 0s  ")
        statusLine.close()
        statusLine.close()
        XCTAssertEqual(written, "\rinputs 9/10, ETA 1m05s\rinputs 10/10, ETA 0s  \n", "a second close writes nothing")
    }

    func testOffATerminalNothingIsDrawnAndLinesPrintAsTheyCome() {
        var written = ""
        let statusLine = StatusLine(isTerminal: false) { written += $0 }
        statusLine.show("inputs 1/2")
        statusLine.print("a note")
        statusLine.close()
        XCTAssertEqual(written, "a note\n")
    }

    func testClockReadsLikeAPersonWouldSayIt() {
        XCTAssertEqual(ProgressBar.clock(0), "0s")
        XCTAssertEqual(ProgressBar.clock(42.4), "42s")
        XCTAssertEqual(ProgressBar.clock(59.6), "1m00s")
        XCTAssertEqual(ProgressBar.clock(185), "3m05s")
        XCTAssertEqual(ProgressBar.clock(3599.4), "59m59s")
        XCTAssertEqual(ProgressBar.clock(3599.6), "1h00m")
        XCTAssertEqual(ProgressBar.clock(3720), "1h02m")
        XCTAssertEqual(ProgressBar.clock(90000), "25h00m")
    }
}
