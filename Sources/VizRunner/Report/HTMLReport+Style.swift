// MARK: - Style

extension HTMLReport {
    /// One stylesheet, inline: system fonts, light and dark from the reader's setting, one column
    /// at phone width, visible keyboard focus.
    static let style = """
        :root { --bg: #ffffff; --fg: #1b1b1f; --muted: #5a5a66; --line: #d4d4dc; --panel: #f4f4f7; --accent: #0b57d0; }
        @media (prefers-color-scheme: dark) {
          :root { --bg: #121216; --fg: #e8e8ee; --muted: #a8a8b6; --line: #3a3a46; --panel: #1d1d24; --accent: #8ab4f8; }
        }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--fg); line-height: 1.5;
          font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
        header, nav, main, footer { max-width: 80rem; margin: 0 auto; padding: 0 1rem; }
        h1 { font-size: 1.6rem; margin: 1.2rem 0 0.6rem; overflow-wrap: anywhere; }
        h2 { font-size: 1.35rem; margin: 2rem 0 0.6rem; border-bottom: 1px solid var(--line); padding-bottom: 0.2rem; }
        h3 { font-size: 1.15rem; margin: 1.4rem 0 0.4rem; }
        h4 { font-size: 1rem; margin: 1rem 0 0.3rem; }
        h2, h3, h4 { overflow-wrap: anywhere; }
        a { color: var(--accent); }
        a:focus-visible, summary:focus-visible, main:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        .skip { position: absolute; left: -100vw; }
        .skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: 0.4rem 0.8rem; z-index: 1; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        .kind { color: var(--muted); font-weight: normal; font-size: 0.9em; }
        .facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 9.5rem), 1fr)); gap: 0.3rem 1rem;
          margin: 0.5rem 0 1rem; padding: 0.6rem 0.8rem; background: var(--panel); border-radius: 6px; }
        .facts div { min-width: 0; }
        .facts .long { grid-column: 1 / -1; }
        .facts dt { font-size: 0.8rem; color: var(--muted); }
        .facts dd { margin: 0; overflow-wrap: anywhere; }
        code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.9em; }
        h3.options-title { font-size: 0.95rem; margin: 0.6rem 0 0.2rem; color: var(--muted); }
        nav ul { display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; list-style: none; padding: 0; margin: 0.5rem 0; }
        .path, .note { color: var(--muted); font-size: 0.85rem; overflow-wrap: anywhere; }
        .inputs { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 26rem), 1fr)); gap: 1rem; }
        .input { background: var(--panel); border-radius: 6px; padding: 0 0.8rem 0.8rem; }
        .input-body { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
        .input-image { max-width: 12rem; }
        figure { margin: 0; min-width: 0; }
        figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); background: var(--panel);
          image-rendering: pixelated; }
        figcaption { font-size: 0.85rem; color: var(--muted); overflow-wrap: anywhere; }
        .gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 14rem), 1fr)); gap: 0.8rem; margin: 0.5rem 0; }
        .gallery.wide { grid-template-columns: 1fr; }
        .gallery.wide img { width: 100%; }
        .gallery.small { grid-template-columns: repeat(auto-fill, minmax(7rem, 1fr)); }
        .gallery.small img { width: 100%; }
        .map img { width: 100%; }
        .layer { border-left: 3px solid var(--line); padding-left: 0.8rem; margin: 1rem 0; }
        details { margin: 0.4rem 0; }
        summary { cursor: pointer; }
        .arrays ul { margin: 0.3rem 0; padding-left: 1.2rem; }
        .table-scroll { overflow-x: auto; }
        table { border-collapse: collapse; font-size: 0.9rem; }
        caption { text-align: left; font-weight: 600; padding-bottom: 0.2rem; }
        th, td { border-bottom: 1px solid var(--line); padding: 0.2rem 0.6rem; text-align: left; }
        td { font-variant-numeric: tabular-nums; }
        .bars td:last-child { width: 12rem; }
        .bars i { display: block; height: 0.7rem; background: var(--accent); border-radius: 2px; }
        footer { color: var(--muted); font-size: 0.85rem; margin-top: 2rem; padding-bottom: 2rem; }
        """
}
