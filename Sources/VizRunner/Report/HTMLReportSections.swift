import Foundation
import VizCore

/// The report's sections, written as the entries come in output order: each input's article and
/// each run's results for it go to a scratch file of their own, and the results of no input
/// (patterns, aggregates), which come after the inputs they sum up, wait in memory.
final class HTMLReportSections {
    private let sections: Sections
    private var ofNoInput: Journal.Entry

    init(runCount: Int, scratch: URL) throws {
        sections = try Sections(count: 1 + runCount, in: scratch, prefix: ".report")
        ofNoInput = Journal.Entry(input: nil, runCount: runCount)
    }

    /// `report` knows the runs and their roles; its header's times and counts may still change.
    func add(_ entry: Journal.Entry, of report: HTMLReport) throws {
        guard let input = entry.input else {
            for run in entry.runs.indices { ofNoInput.runs[run].artifacts += entry.runs[run].artifacts }
            return
        }
        try sections.files[0].write(report.inputArticle(input, entry: entry) + "\n")
        for run in entry.runs.indices where !entry.runs[run].artifacts.isEmpty {
            try sections.files[1 + run].write(report.inputGroup(title: "Input \(input.id)", entry: entry, run: run))
        }
    }

    /// The whole page, with `report`'s final header.
    func write(_ report: HTMLReport, to output: TextOutput) throws {
        try report.write(
            inputs: { try sections.copy(0, to: $0) },
            run: { run, output in
                try sections.copy(1 + run, to: output)
                if !ofNoInput.runs[run].artifacts.isEmpty {
                    try output.write(report.inputGroup(title: "All inputs", entry: ofNoInput, run: run))
                }
            }, to: output)
        try sections.remove()
    }
}
