/// A kind of result one run hands to the runs after it, and what a run referring to it needs.
///
/// A run's options declare what it offers (`ConfigMapping.offer`) and what it needs
/// (`ConfigMapping.runReference`) while they are read, so the runner checks every reference
/// before any heavy work starts, for built-ins and plugins alike.
public enum RunResultKind: Equatable, Sendable {
    /// Each input's `top` best predictions.
    case predictions(top: Int)
    /// The named layers' mean activation per channel, averaged over the inputs.
    case channelMeans(layers: [String])
    /// Each input's maps (a heatmap or saliency array and the class it explains) of the batch in
    /// flight, as predictions are; the offer lists the roles whose arrays are maps, a need none.
    case maps(roles: [String])
    /// A kind of result a visualizer's aggregate names itself (a plugin's, say), for `items` (its
    /// layers, say): handed from run to run without vizrun knowing what it means.
    case named(String, items: [String])

    /// Why `offers` cannot serve this need, or nil when one of them can.
    public func shortfall(in offers: [RunResultKind]) -> String? {
        switch self {
        case .predictions(let needed):
            let listed = offers.compactMap { offer -> Int? in if case .predictions(let top) = offer { top } else { nil } }.max()
            guard let listed else { return "does not predict classes (gradcam and saliency runs do)" }
            return listed >= needed
                ? nil
                : "lists \(listed) prediction(s) per input, fewer than the \(needed) needed (raise its `top`)"
        case .channelMeans(let needed):
            let covered = offers.flatMap { offer -> [String] in if case .channelMeans(let layers) = offer { layers } else { [] } }
            guard !covered.isEmpty else { return "does not record channel means (activations runs do)" }
            guard let missing = needed.first(where: { !covered.contains($0) }) else { return nil }
            return "does not cover layer '\(missing)' (its layers: \(covered.joined(separator: ", ")))"
        case .maps:
            let roles = offers.flatMap { offer -> [String] in if case .maps(let roles) = offer { roles } else { [] } }
            return roles.isEmpty ? "makes no maps to score (gradcam and saliency runs do)" : nil
        case .named(let kind, let needed):
            let covered = offers.flatMap { offer -> [String] in
                if case .named(kind, let items) = offer { items } else { [] }
            }
            guard offers.contains(where: { if case .named(kind, _) = $0 { true } else { false } }) else {
                return "does not offer '\(kind)' results"
            }
            guard let missing = needed.first(where: { !covered.contains($0) }) else { return nil }
            return "does not cover '\(missing)' in its '\(kind)' results (it covers: \(covered.joined(separator: ", ")))"
        }
    }
}

/// An option that takes its values from an earlier run's results: `{from: RUN, …}`.
public struct RunReference {
    /// The name of the run referred to.
    public let run: String
    public let needs: RunResultKind
    /// The `from:` value, where errors about the reference point.
    public let node: ConfigNode

    public init(run: String, needs: RunResultKind, node: ConfigNode) {
        self.run = run
        self.needs = needs
        self.node = node
    }
}

/// What an earlier run has found over the inputs so far, handed to a run that refers to it.
///
/// A run that reads inputs gets the results of the inputs up to and including its own batch; a run
/// that ignores the inputs and refers to another run executes after the last batch, so it gets
/// every input's results (those reused from an earlier invocation included).
public struct RunResults: Sendable {
    public let run: String
    /// Per input id: the run's top predictions, best first.
    public let predictions: [String: [Prediction]]
    /// Per layer: each channel's mean activation, averaged over the inputs.
    public let channelMeans: [String: [Float]]
    /// Per kind an aggregate names (`RunResultKind.named`), per item: what it found.
    public let named: [String: [String: Tensor]]
    /// Per input id: the run's maps for it, in the order the run made them.
    public let maps: [String: [ProducedMap]]

    public init(
        run: String, predictions: [String: [Prediction]] = [:], channelMeans: [String: [Float]] = [:],
        named: [String: [String: Tensor]] = [:], maps: [String: [ProducedMap]] = [:]
    ) {
        self.run = run
        self.predictions = predictions
        self.channelMeans = channelMeans
        self.named = named
        self.maps = maps
    }

    /// The same results with `other`'s kinds added (predictions from the batch, the rest from the aggregate).
    public func merging(_ other: RunResults) -> RunResults {
        RunResults(
            run: run, predictions: predictions.merging(other.predictions) { _, new in new },
            channelMeans: channelMeans.merging(other.channelMeans) { _, new in new },
            named: named.merging(other.named) { mine, theirs in mine.merging(theirs) { _, new in new } },
            maps: maps.merging(other.maps) { _, new in new })
    }

    /// What the run's aggregate found as `kind` for `item`; an error if it found nothing (no inputs?).
    public func value(_ kind: String, of item: String) throws -> Tensor {
        guard let value = named[kind]?[item] else {
            throw VizError("run '\(run)' recorded no '\(kind)' results for '\(item)' (no inputs?)", at: item)
        }
        return value
    }

    /// The maps the run made for `input`; an error if it made none.
    public func maps(of input: String) throws -> [ProducedMap] {
        guard let made = maps[input], !made.isEmpty else {
            throw VizError("run '\(run)' made no map for input '\(input)'", at: input)
        }
        return made
    }

    /// The `count` best predictions of `input`; an error if the run has fewer for it.
    public func topPredictions(_ count: Int, of input: String) throws -> [Prediction] {
        let listed = predictions[input] ?? []
        guard listed.count >= count else {
            throw VizError(
                "run '\(run)' lists \(listed.count) prediction(s) for input '\(input)', \(count) are needed", at: input)
        }
        return Array(listed.prefix(count))
    }

    /// The `count` channels of `layer` with the highest mean activation, highest first (ties: lower
    /// channel first).
    public func mostActiveChannels(_ count: Int, of layer: String) throws -> [Int] {
        guard let means = channelMeans[layer], !means.isEmpty else {
            throw VizError("run '\(run)' recorded no channel means for this layer (no inputs?)", at: layer)
        }
        return means.indices.sorted { means[$0] > means[$1] || (means[$0] == means[$1] && $0 < $1) }.prefix(count).map { $0 }
    }
}

/// One map an earlier run made (`RunResultKind.maps`): the artifact as the run described it (its
/// role, name, input, layer and class) and its values, as the run handed them to its sink.
public struct ProducedMap: Sendable {
    public let artifact: Artifact
    public let values: Tensor

    public init(artifact: Artifact, values: Tensor) {
        self.artifact = artifact
        self.values = values
    }
}
