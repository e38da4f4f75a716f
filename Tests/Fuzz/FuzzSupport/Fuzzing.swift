import CLibFuzzer
import Foundation
import FuzzReaders
import VizCore

/// libFuzzer's driver around a `FuzzReader`: every input is read, and any error but a `VizError`
/// (or several, `VizErrors`) stops the run as a finding, as do traps, sanitizer reports and
/// allocations over `-malloc_limit_mb`.
public enum Fuzzing {
    /// The reader under test. A global because libFuzzer takes a C function pointer, which captures nothing.
    nonisolated(unsafe) private static var read: (Data) throws -> Void = { _ in }

    /// Runs libFuzzer with the process's arguments on `reader`.
    public static func run(_ reader: FuzzReader) -> Never {
        guard let fixtures = Workspace.fixtures(above: CommandLine.arguments[0]) else {
            fatalError("cannot find Tests/Fixtures above \(CommandLine.arguments[0]); set VIZRUN_FIXTURES")
        }
        let workspace = try! Workspace(fixtures: fixtures)
        read = try! reader.reader(in: workspace)
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { bytes, count in
            do { try Fuzzing.read(bytes.map { Data(bytes: $0, count: count) } ?? Data()) } catch {
                guard VizErrors.unpack(error) != nil else { fatalError("not a VizError: \(type(of: error)): \(error)") }
            }
            return 0
        }
        workspace.removeAll()
        exit(status)
    }
}
