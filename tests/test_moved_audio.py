"""A descriptor DB whose audio moved: relative paths, ``--audio-root``, and a message that says
what is missing, raised when the DB is loaded (espeak-ng speech, real CLI)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import soundfile as sf

from demiurge.cli import main
from demiurge.errors import DemiurgeError
from demiurge.sequencer.db import DescriptorDB
from speech import write_speech


@pytest.fixture
def project(tmp_path):
    """``tmp_path/project/{audio,db,pred}``: speech described, and predictions that are copies
    of DB frames (so a render plays known audio)."""
    root = tmp_path / "project"
    write_speech(root / "audio")
    assert main(["describe", str(root / "audio"), "-o", str(root / "db")]) == 0
    db = DescriptorDB.open(root / "db")
    DescriptorDB.write(root / "pred", config=db.config,
                       entries=[("forecast", np.asarray(db.features[10:40]))],
                       extra={"kind": "predictions"})
    return root


def render_args(root, out, *extra):
    return ["render", "--predictions", str(root / "pred"), "--db", str(root / "db"),
            "-o", str(out), *extra]


def test_db_stores_audio_paths_relative_to_itself(project):
    meta = json.loads((project / "db" / "db.json").read_text())
    assert [f["path"] for f in meta["files"]] == [f"speech_{i}.wav" for i in range(3)]
    assert meta["audio_root"] == "../audio"
    assert meta["described_from"] == str((project / "audio").resolve())


def test_a_moved_project_still_renders(project, tmp_path):
    assert main(render_args(project, tmp_path / "before.wav")) == 0
    moved = tmp_path / "elsewhere" / "project"
    shutil.move(str(project), str(moved))
    assert main(render_args(moved, tmp_path / "after.wav")) == 0
    np.testing.assert_array_equal(sf.read(tmp_path / "after.wav")[0],
                                  sf.read(tmp_path / "before.wav")[0])


def test_moved_audio_is_named_when_the_db_is_loaded_and_audio_root_finds_it(project, tmp_path,
                                                                             capsys):
    assert main(render_args(project, tmp_path / "before.wav")) == 0
    new_home = tmp_path / "recordings"
    shutil.move(str(project / "audio"), str(new_home))
    capsys.readouterr()
    assert main(render_args(project, tmp_path / "x.wav")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert (f"the DB {project / 'db'}'s audio {project / 'audio' / 'speech_0.wav'} is missing; "
            f"it was described from {(project / 'audio' / 'speech_0.wav').resolve()}") in err
    assert "--audio-root" in err and "(and 2 more files)" in err
    assert not (tmp_path / "x.wav").exists()
    # Checked on load, before any query index or audio is built.
    with pytest.raises(DemiurgeError, match="is missing; it was described from"):
        DescriptorDB.open(project / "db", need_audio=True)
    DescriptorDB.open(project / "db")  # the descriptors alone (training, predict) still load

    assert main(render_args(project, tmp_path / "after.wav", "--audio-root", str(new_home))) == 0
    np.testing.assert_array_equal(sf.read(tmp_path / "after.wav")[0],
                                  sf.read(tmp_path / "before.wav")[0])
    matches = json.loads((tmp_path / "after.json").read_text())
    assert matches["_id"][0] == str((new_home / "speech_0.wav").resolve())


def test_an_old_db_with_absolute_paths_loads_and_follows_audio_root(project, tmp_path):
    """DBs written before relative paths hold absolute paths and no audio root."""
    meta_path = project / "db" / "db.json"
    meta = json.loads(meta_path.read_text())
    for f in meta["files"]:
        f["path"] = str((project / "audio" / f["path"]).resolve())
    del meta["audio_root"], meta["described_from"]
    meta_path.write_text(json.dumps(meta))
    assert main(render_args(project, tmp_path / "before.wav")) == 0
    new_home = tmp_path / "recordings"
    shutil.move(str(project / "audio"), str(new_home))
    with pytest.raises(DemiurgeError, match="speech_0.wav is missing; it was described from"):
        DescriptorDB.open(project / "db", need_audio=True)
    assert main(render_args(project, tmp_path / "after.wav", "--audio-root", str(new_home))) == 0
    np.testing.assert_array_equal(sf.read(tmp_path / "after.wav")[0],
                                  sf.read(tmp_path / "before.wav")[0])


def test_live_loads_a_db_from_its_audio_root(project, tmp_path, capsys):
    from demiurge.live.cli import main as live_main
    from demiurge.live.loading import load_db

    new_home = tmp_path / "recordings"
    shutil.move(str(project / "audio"), str(new_home))
    # Reported before the embedded default (predictor) would be built.
    assert live_main(["--db", str(project / "db"), "--input-file", str(new_home / "speech_0.wav"),
                      "--output-file", str(tmp_path / "o.wav")]) == 2
    assert "is missing; it was described from" in capsys.readouterr().err
    loaded = load_db(project / "db", audio_root=new_home)
    assert loaded.files[0] == str((new_home / "speech_0.wav").resolve())
