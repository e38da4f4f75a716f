"""The Python wrapper against the binary it bundles: run by check_wheel.sh with the wheel installed
in a fresh virtual environment (so `import vizrun` is the installed module, not Python/vizrun)."""

import re
import subprocess
from pathlib import Path

import numpy
import pytest

import vizrun

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "Configs"


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    """The demo config, run once for the module's tests; and its log lines."""
    lines = []
    output = vizrun.run(CONFIGS / "seed.yaml", output=tmp_path_factory.mktemp("seed"), log=lines.append)
    return output, lines


def test_the_wrapper_runs_the_bundled_binary():
    assert Path(vizrun.binary()).is_relative_to(Path(vizrun.__file__).parent)
    version = subprocess.run([vizrun.binary(), "--version"], capture_output=True, text=True, check=True).stdout
    assert version.strip() == vizrun.__version__


def test_a_run_returns_its_output_with_the_manifest(seed):
    output, lines = seed
    assert output.manifest["vizrun"] == vizrun.__version__
    assert [run["name"] for run in output.manifest["runs"]] == ["acts"]
    assert (output.folder / "report.html").is_file()
    assert any(line.startswith("wrote ") for line in lines), lines  # the log came through


def test_without_output_the_folder_comes_from_vizruns_log(tmp_path):
    # The seed config, its paths made absolute and its output beside the copy.
    text = (CONFIGS / "seed.yaml").read_text()
    text = re.sub(r"(models|images)/", lambda m: f"{CONFIGS}/{m.group(1)}/", text).replace("../out/seed", "here")
    (tmp_path / "seed.yaml").write_text(text)
    output = vizrun.run(tmp_path / "seed.yaml", log=lambda line: None)
    assert output.folder.resolve() == (tmp_path / "here").resolve()
    assert output.manifest["runs"][0]["artifacts"]


def test_a_failure_raises_vizruns_errors_and_status(tmp_path):
    # Two mistakes: vizrun reports both, each on a line of its own followed by the config line and a caret.
    config = tmp_path / "broken.yaml"
    config.write_text("model:\n  path: no_such_model.h5\ninput:\n  images: [x.jpg]\nruns:\n  - visualizer: activations\n")
    direct = subprocess.run([vizrun.binary(), str(config)], capture_output=True, text=True)
    with pytest.raises(vizrun.VizrunError) as raised:
        vizrun.run(config, log=lambda line: None)
    error = raised.value
    assert error.status == direct.returncode == 1
    printed = [line for line in direct.stderr.splitlines() if line.startswith("vizrun: ")]
    assert error.errors == printed and error.message == printed[0]
    assert "no_such_model.h5" in error.message
    assert error.text == direct.stderr[direct.stderr.index(printed[0]):].rstrip()
    assert error.text in str(error) and "exit status 1" in str(error)


def test_a_usage_error_carries_the_argument_parsers_message():
    with pytest.raises(vizrun.VizrunError) as raised:
        vizrun.run(CONFIGS / "seed.yaml", "--threads", "0", log=lambda line: None)
    assert raised.value.status != 0 and "--threads" in raised.value.message


def test_an_interrupted_run_stops_vizrun(tmp_path):
    started = []

    def interrupt(line):
        started.append(line)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        vizrun.run(CONFIGS / "seed.yaml", output=tmp_path / "stopped", log=interrupt)
    assert len(started) == 1
    assert not (tmp_path / "stopped" / "report.html").exists()  # vizrun was stopped before it finished


def test_arrays_load_lazily_and_by_their_manifest_fields(seed):
    output, _ = seed
    fresh = vizrun.Output(output.folder)
    assert fresh._manifest is None  # nothing read yet
    record = fresh.artifacts("acts", kind="array", input="chelsea", layer="conv2d")[0]
    array = fresh.array("acts", input="chelsea", layer="conv2d", role=record["role"])
    assert isinstance(array, numpy.memmap)  # mapped, read from disk only where indexed
    assert list(array.shape)[-len(record["shape"]):] == record["shape"]
    assert numpy.isfinite(array[..., 0]).all()
    with pytest.raises(LookupError, match="conv2d"):
        fresh.array("acts", input="chelsea")  # one per layer: ambiguous
    with pytest.raises(KeyError, match="acts"):
        fresh.array("nope", layer="conv2d")


def test_the_notebook_shows_the_report_with_its_images_inline(seed):
    output, _ = seed
    page = output._repr_html_()
    assert page.startswith("<iframe srcdoc=")
    assert "data:image/png;base64," in page
    assert not re.search(r"&lt;img[^&]*src=&quot;(?!data:)", page)  # no image left to a relative path
