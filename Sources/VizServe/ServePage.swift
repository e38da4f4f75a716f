import Foundation
import VizCore
import VizRunner

/// The page: the model's layers, the inputs, and for the chosen input and layer the pictures,
/// all in the served HTML (links and forms, so it works without JavaScript); the small script of
/// `ServePage+Script.swift` adds uploads, filter patterns with progress and saving a tab's views.
/// The state is the query (`input`, `layer`, `channel`, `class`, `method`, `camlayer`), so two
/// tabs never share it.
struct ServePage {
    let explorer: Explorer
    let query: Query

    private var model: Model { explorer.model }

    func html() async throws -> String {
        let sources = explorer.sources
        let input = try query.optional("input").map { try explorer.source($0).id } ?? sources.first?.id
        let layer = try query.optional("layer").map { try explorer.layer($0) }
        let channel = try query.optionalInt("channel")
        if let layer, let channel { try explorer.checkChannel(channel, of: layer) }
        var state = State(input: input, layer: layer?.name, channel: channel)
        state.methods = query.all("method")
        state.camLayer = query.optional("camlayer")
        state.classIndex = try query.optionalInt("class")
        var predictions: [Prediction] = []
        var predictionNote: String?
        if let input {
            do { predictions = try await explorer.predictions(input: input) } catch {
                predictionNote = VizErrors.unpack(error)?.first?.message ?? "\(error)"
            }
        }
        state.topClass = predictions.first?.classIndex
        for method in state.shownMethods {
            _ = try explorer.attributionView(method: method, layer: state.camLayer, classIndex: state.shownClass ?? 0)
        }
        let modelName = (model.path as NSString).lastPathComponent
        return """
            \(HTMLReport.documentStart(title: "vizrun serve: \(modelName)", skipTo: "the pictures", extraStyle: Self.style))
            <header>
            <h1>\(HTML.escape(modelName)) <span class="kind">explored with vizrun serve</span></h1>
            <dl class="facts">
            <div><dt>Loader</dt><dd>\(HTML.escape(model.loaderName))</dd></div>
            <div><dt>Input shape</dt><dd>\(HTML.escape(ShapeCheck.describe([-1] + model.inputShape)))</dd></div>
            <div><dt>Layers</dt><dd>\(model.layers.count)</dd></div>
            <div><dt>Parameters</dt><dd>\(model.parameterCount)</dd></div>
            <div class="long"><dt>Model file</dt><dd>\(HTML.escape(model.path))</dd></div>
            </dl>
            </header>
            \(inputsSection(sources, state: state))
            <main id="main" tabindex="-1" data-input="\(HTML.escape(input ?? ""))" data-layer="\(HTML.escape(layer?.name ?? ""))">
            \(activationsSection(state))
            \(predictionsSection(predictions, note: predictionNote, state: state))
            \(attributionSection(state))
            \(layersSection(state))
            \(saveSection(state))
            </main>
            <footer><p>Served by vizrun \(HTML.escape(Runner.version)); every picture links to its array (.npy).</p></footer>
            <script>\(Self.script)</script>
            </body>
            </html>

            """
    }

    /// What the page shows, as query parameters.
    struct State {
        var input: String?
        var layer: String?
        var channel: Int?
        var classIndex: Int?
        var methods: [String] = []
        var camLayer: String?
        /// The input's top class, shown while the query names none.
        var topClass: Int?

        var shownClass: Int? { classIndex ?? topClass }
        var shownMethods: [String] { methods.isEmpty ? ["gradcam"] : methods }

        /// This state's query, changed by `change`, as an escaped link.
        func link(_ path: String = "/", _ change: (inout State) -> Void = { _ in }) -> String {
            var state = self
            change(&state)
            return HTML.escape(path + "?" + state.queryItems.map { "\($0)=\(Self.encoded($1))" }.joined(separator: "&"))
        }

        var queryItems: [(String, String)] {
            var items: [(String, String)] = []
            if let input { items.append(("input", input)) }
            if let layer { items.append(("layer", layer)) }
            if let channel { items.append(("channel", String(channel))) }
            if let classIndex { items.append(("class", String(classIndex))) }
            items += methods.map { ("method", $0) }
            if let camLayer { items.append(("camlayer", camLayer)) }
            return items
        }

        private static let allowed = CharacterSet(
            charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        static func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }

        /// Hidden fields carrying the state into a form, but for the keys the form sets itself.
        func hiddenFields(except keys: Set<String>) -> String {
            queryItems.filter { !keys.contains($0.0) }
                .map { "<input type=\"hidden\" name=\"\($0.0)\" value=\"\(HTML.escape($0.1))\">" }.joined(separator: "\n")
        }
    }

    // MARK: - Sections

    private func inputsSection(_ sources: [InputPreparation.Source], state: State) -> String {
        let items = sources.map { source in
            let current = source.id == state.input ? " aria-current=\"page\"" : ""
            let link = state.link {
                $0.input = source.id
                $0.classIndex = nil
            }
            return """
                <li><a href="\(link)"\(current)>\
                <img src="/input.png?input=\(State.encoded(source.id))" alt="" width="64" height="64"> \
                \(HTML.escape(source.id))</a></li>
                """
        }
        return """
            <nav id="inputs" aria-labelledby="inputs-title">
            <h2 id="inputs-title">Inputs</h2>
            \(items.isEmpty ? "<p class=\"note\">No input yet: add an image.</p>" : "<ul class=\"input-list\">\n\(items.joined(separator: "\n"))\n</ul>")
            <form id="upload" class="tool" hidden>
            <label>Add a JPEG or PNG image or an .npy array (at most \(ServeRoutes.uploadLimit / 1024 / 1024) MB)
            <input type="file" name="image" accept="image/jpeg,image/png,.npy"></label>
            <output role="status" aria-live="polite"></output>
            </form>
            </nav>
            """
    }

    private func activationsSection(_ state: State) -> String {
        guard let input = state.input, let name = state.layer, let layer = model.layer(named: name) else {
            return """
                <section id="activations" aria-labelledby="activations-title">
                <h2 id="activations-title">Activations</h2>
                <p class="note">Choose a layer in the list below\(state.input == nil ? " and add an input" : "").</p>
                </section>
                """
        }
        let base = "input=\(State.encoded(input))&layer=\(State.encoded(name))"
        guard let channels = explorer.channelCount(of: layer) else {
            return """
                <section id="activations" aria-labelledby="activations-title">
                <h2 id="activations-title">Activations of \(HTML.escape(name)) for \(HTML.escape(input))</h2>
                <p>Output shape \(HTML.escape(ShapeCheck.describe([-1] + model.outputShape(of: layer)))): no image channels \
                to draw. <a href="/activations/activation.npy?\(base)">activation.npy</a>, \
                <a href="/activations.json?\(base)">statistics</a></p>
                </section>
                """
        }
        var channelPart = ""
        if let channel = state.channel {
            let query = "\(base)&channel=\(channel)"
            channelPart = """
                <figure class="channel">
                <img class="enlarged" src="/activations/channel.png?\(query)" alt="Channel \(channel) of layer \(HTML.escape(name)), enlarged">
                <figcaption>Channel \(channel): <a href="/activations/channel.json?\(query)">statistics</a>, \
                <a href="/activations/channel.npy?\(query)">channel.npy</a></figcaption>
                </figure>
                <div class="tool" id="pattern-tool" data-layer="\(HTML.escape(name))" data-channel="\(channel)" hidden>
                <button type="button" id="pattern-start">Compute the filter pattern of channel \(channel)</button>
                <button type="button" id="pattern-cancel" hidden>Cancel</button>
                <progress id="pattern-progress" max="1" value="0" hidden></progress>
                <output id="pattern-status" role="status" aria-live="polite"></output>
                <figure id="pattern-result" hidden><img alt="Filter pattern of channel \(channel) of layer \(HTML.escape(name))">\
                <figcaption><a>pattern.npy</a></figcaption></figure>
                </div>
                """
        }
        return """
            <section id="activations" aria-labelledby="activations-title">
            <h2 id="activations-title">Activations of \(HTML.escape(name)) for \(HTML.escape(input))</h2>
            <figure class="grid">
            <img src="/activations/grid.png?\(base)" alt="Activation grid of layer \(HTML.escape(name)), \(channels) channels">
            <figcaption>\(channels) channels: <a href="/activations/activation.npy?\(base)">activation.npy</a>, \
            <a href="/activations.json?\(base)">statistics</a></figcaption>
            </figure>
            <form method="get" action="/" class="tool">
            \(state.hiddenFields(except: ["channel"]))
            <label>Channel (0 to \(channels - 1)) <input type="number" name="channel" min="0" max="\(channels - 1)" \
            value="\(state.channel ?? 0)" required></label>
            <button type="submit">Show channel</button>
            </form>
            \(channelPart)
            </section>
            """
    }

    private func predictionsSection(_ predictions: [Prediction], note: String?, state: State) -> String {
        guard state.input != nil else { return "" }
        guard note == nil else {
            return "<section id=\"predictions\"><h2>Predictions</h2><p class=\"note\">\(HTML.escape(note!))</p></section>"
        }
        let items = predictions.prefix(5).map { prediction in
            let label = prediction.label.map { "\(HTML.escape($0)) " } ?? ""
            let current = prediction.classIndex == state.shownClass ? " aria-current=\"true\"" : ""
            return """
                <li><a href="\(state.link { $0.classIndex = prediction.classIndex })"\(current)>\(label)(class \
                \(prediction.classIndex))</a> \(String(format: "%.4f", prediction.score))</li>
                """
        }
        return """
            <section id="predictions" aria-labelledby="predictions-title">
            <h2 id="predictions-title">Predictions</h2>
            <ol class="predictions">
            \(items.joined(separator: "\n"))
            </ol>
            </section>
            """
    }

    private func attributionSection(_ state: State) -> String {
        guard let input = state.input, let classIndex = state.shownClass else { return "" }
        let methodBoxes = (View.camMethods + View.saliencyMethods).map { method in
            let checked = state.shownMethods.contains(method) ? " checked" : ""
            return "<label><input type=\"checkbox\" name=\"method\" value=\"\(method)\"\(checked)> \(method)</label>"
        }
        let camLayers = model.computedLayers.filter { explorer.channelCount(of: $0) != nil }.map { layer in
            let selected = layer.name == state.camLayer ? " selected" : ""
            return "<option value=\"\(HTML.escape(layer.name))\"\(selected)>\(HTML.escape(layer.name))</option>"
        }
        let figures = state.shownMethods.map { method -> String in
            var query = "input=\(State.encoded(input))&method=\(State.encoded(method))&class=\(classIndex)"
            if let camLayer = state.camLayer, View.camMethods.contains(method) { query += "&layer=" + State.encoded(camLayer) }
            let isCAM = View.camMethods.contains(method)
            let picture = isCAM ? "overlay" : "saliency"
            let array = isCAM ? "heatmap" : "saliency"
            return """
                <figure class="map">
                <img src="/attribution.png?\(query)&picture=\(picture)" alt="\(method) of class \(classIndex) for \(HTML.escape(input))">
                <figcaption>\(method): <a href="/attribution.npy?\(query)&picture=\(array)">\(array).npy</a>\
                \(isCAM ? ", <a href=\"/attribution.png?\(query)&picture=heatmap\">heatmap</a>" : "")</figcaption>
                </figure>
                """
        }
        return """
            <section id="attribution" aria-labelledby="attribution-title">
            <h2 id="attribution-title">What class \(classIndex) looks at</h2>
            <form method="get" action="/" class="tool">
            \(state.hiddenFields(except: ["method", "class", "camlayer"]))
            <fieldset><legend>Methods</legend>\(methodBoxes.joined(separator: "\n"))</fieldset>
            <label>Class <input type="number" name="class" min="0" value="\(classIndex)" required></label>
            <label>CAM layer <select name="camlayer"><option value="">the last convolution</option>\(camLayers.joined())</select></label>
            <button type="submit">Show</button>
            </form>
            <div class="gallery">
            \(figures.joined(separator: "\n"))
            </div>
            </section>
            """
    }

    private func layersSection(_ state: State) -> String {
        let rows = model.layers.map { layer in
            let current = layer.name == state.layer ? " aria-current=\"true\"" : ""
            let name = HTML.escape(layer.name)
            let link = state.link {
                $0.layer = layer.name
                $0.channel = nil
            }
            let cell =
                model.computedLayers.contains { $0.name == layer.name } ? "<a href=\"\(link)\"\(current)>\(name)</a>" : name
            return """
                <tr><th scope="row">\(cell)</th><td>\(HTML.escape(layer.className))</td>\
                <td>\(HTML.escape(ShapeCheck.describe([-1] + model.outputShape(of: layer))))</td>\
                <td>\(layer.parameterCount)</td><td>\(HTML.escape(layer.inputLayers.joined(separator: ", ")))</td></tr>
                """
        }
        return """
            <section id="layers" aria-labelledby="layers-title">
            <h2 id="layers-title">Layers</h2>
            <div class="table-scroll">
            <table>
            <caption>\(model.layers.count) layers, \(model.parameterCount) parameters</caption>
            <thead><tr><th scope="col">Layer</th><th scope="col">Class</th><th scope="col">Output shape</th>\
            <th scope="col">Params</th><th scope="col">Inputs</th></tr></thead>
            <tbody>
            \(rows.joined(separator: "\n"))
            </tbody>
            </table>
            </div>
            </section>
            """
    }

    private func saveSection(_ state: State) -> String {
        guard state.input != nil else { return "" }
        let link = state.link("/config.yaml") {
            $0.classIndex = state.shownClass
            $0.methods = state.shownMethods
        }
        return """
            <section id="save" aria-labelledby="save-title">
            <h2 id="save-title">Save as a config</h2>
            <p><a href="\(link)" download="vizrun-serve.yaml">This view as a config</a> \
            that <code>vizrun CONFIG</code> draws again.</p>
            <p class="tool" hidden><button type="button" id="save-all">Everything this tab showed</button> \
            <output id="save-status" role="status" aria-live="polite"></output></p>
            </section>
            """
    }

    /// The views of one page's query, for "this view as a config".
    static func configRequest(_ query: Query) throws -> ConfigRequest {
        var request = ConfigRequest(inputs: query.all("input"))
        if let layer = query.optional("layer") {
            request.activations = [.init(layer: layer, channels: try query.optionalInt("channel").map { [$0] } ?? [])]
        }
        if let classIndex = try query.optionalInt("class") {
            request.attributions = query.all("method").map {
                .init(method: $0, layer: query.optional("camlayer"), classIndex: classIndex)
            }
        }
        return request
    }
}
