extension ServePage {
    /// Added to the report's stylesheet: the input list, the enlarged channel, the tools.
    static let style = """

        .input-list { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; list-style: none; padding: 0; }
        .input-list img { vertical-align: middle; object-fit: cover; border: 1px solid var(--line); }
        [aria-current] { font-weight: 700; }
        img.enlarged { width: min(100%, 24rem); }
        .grid img { width: 100%; }
        .tool { margin: 0.6rem 0; display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; }
        .tool[hidden] { display: none; }
        fieldset { border: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: 0.2rem 0.8rem; }
        button, input, select { font: inherit; }
        button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        """

    /// The page's only script: no framework, no external URL. It reveals the tools that need it
    /// (upload, filter patterns, saving the tab's views), which stay hidden without JavaScript.
    /// Each tab records what it showed in its own sessionStorage.
    static let script = """

        (() => {
          const main = document.getElementById('main');
          const params = new URLSearchParams(location.search);
          for (const tool of document.querySelectorAll('.tool[hidden]')) tool.hidden = false;
          const say = (output, text) => { if (output) output.textContent = text; };
          const failure = async (response) => (await response.text()).trim();

          // This tab's views, for "everything this tab showed".
          const key = 'vizrun-serve-views';
          const views = JSON.parse(sessionStorage.getItem(key) || '{"inputs":[],"activations":[],"attributions":[],"filters":[]}');
          const remember = (list, item) => {
            const text = JSON.stringify(item);
            if (!list.some((x) => JSON.stringify(x) === text)) list.push(item);
            sessionStorage.setItem(key, JSON.stringify(views));
          };
          const input = main.dataset.input, layer = main.dataset.layer;
          if (input) remember(views.inputs, input);
          if (layer) {
            const channel = params.get('channel');
            remember(views.activations, { layer, channels: channel === null ? [] : [Number(channel)] });
          }
          if (params.get('class') !== null) {
            const methods = params.getAll('method').length ? params.getAll('method') : ['gradcam'];
            for (const method of methods) {
              remember(views.attributions, { method, layer: params.get('camlayer') || null, class: Number(params.get('class')) });
            }
          }

          // An image or array chosen in the form, or dropped anywhere on the page, becomes an input.
          const upload = document.getElementById('upload');
          const send = async (file) => {
            const status = upload.querySelector('output');
            say(status, 'Uploading ' + file.name + '…');
            const response = await fetch('/inputs?name=' + encodeURIComponent(file.name), { method: 'POST', body: file });
            if (!response.ok) return say(status, await failure(response));
            const { id } = await response.json();
            params.set('input', id);
            params.delete('class');
            location.search = params.toString();
          };
          upload?.querySelector('input[type=file]').addEventListener('change', (event) => {
            if (event.target.files[0]) send(event.target.files[0]);
          });
          document.addEventListener('dragover', (event) => event.preventDefault());
          document.addEventListener('drop', (event) => {
            event.preventDefault();
            if (upload && event.dataTransfer.files[0]) send(event.dataTransfer.files[0]);
          });

          const tool = document.getElementById('pattern-tool');
          if (tool) {
            const start = document.getElementById('pattern-start');
            const cancel = document.getElementById('pattern-cancel');
            const progress = document.getElementById('pattern-progress');
            const status = document.getElementById('pattern-status');
            const result = document.getElementById('pattern-result');
            const query = 'layer=' + encodeURIComponent(tool.dataset.layer) + '&channel=' + tool.dataset.channel;
            let job = null;
            const show = () => {
              result.querySelector('img').src = '/pattern.png?' + query;
              result.querySelector('a').href = '/pattern.npy?' + query;
              result.hidden = false;
              remember(views.filters, { layer: tool.dataset.layer, channel: Number(tool.dataset.channel) });
            };
            const follow = async () => {
              const response = await fetch('/filters/' + job.id);
              if (!response.ok) return say(status, await failure(response));
              job = await response.json();
              // Each pattern counts its ascent's steps, once the first step says how many.
              const steps = Math.max(job.steps, 1);
              progress.max = job.channels.length * steps;
              progress.value = job.done * steps + job.step;
              if (job.state === 'running') return setTimeout(follow, 300);
              start.disabled = false;
              cancel.hidden = true;
              progress.hidden = true;
              say(status, job.state === 'done' ? 'Done.' : job.state === 'failed' ? job.error : 'Cancelled.');
              if (job.state === 'done') show();
            };
            start.addEventListener('click', async () => {
              const response = await fetch('/filters?' + query, { method: 'POST' });
              if (!response.ok) return say(status, await failure(response));
              job = await response.json();
              start.disabled = true;
              cancel.hidden = false;
              progress.hidden = false;
              say(status, 'Computing the pattern…');
              follow();
            });
            cancel.addEventListener('click', async () => {
              if (job) await fetch('/filters/' + job.id, { method: 'DELETE' });
            });
          }

          document.getElementById('save-all')?.addEventListener('click', async () => {
            const status = document.getElementById('save-status');
            const response = await fetch('/config.yaml', { method: 'POST', body: JSON.stringify(views),
              headers: { 'Content-Type': 'application/json' } });
            if (!response.ok) return say(status, await failure(response));
            const link = document.createElement('a');
            link.href = URL.createObjectURL(new Blob([await response.text()], { type: 'application/yaml' }));
            link.download = 'vizrun-serve.yaml';
            link.click();
            say(status, 'Saved vizrun-serve.yaml.');
          });
        })();
        """
}
