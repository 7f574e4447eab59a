"""JupyterLab for the labs, set up once after installing the student bundle: ``python -m labkit.jupyter_setup``.

nbgrader's JupyterLab extension holds a student tool, the **Validate** button, and instructor tools:
Formgrader, Create Assignment, the course list and the Assignment List (which fetches and submits
through an nbgrader exchange; this course submits through the LMS instead). This keeps the Validate
button and turns the rest off, the way nbgrader's installation guide does it
(``jupyter labextension disable --level=sys_prefix @jupyter/nbgrader:formgrader`` ...,
``jupyter server extension disable --sys-prefix nbgrader.server_extensions.formgrader`` ...), by
writing the same two files into this Python environment's Jupyter configuration,
``<sys.prefix>/etc/jupyter/``:

* ``labconfig/page_config.json``: ``disabledExtensions`` (the lab plugins of :data:`LAB_PLUGINS_OFF`);
* ``jupyter_server_config.json``: ``ServerApp.jpserver_extensions`` (:data:`SERVER_EXTENSIONS_OFF` off,
  the validate extension on);

and copies the bundle's ``nbgrader_config.py`` (what ``nbgrader validate`` and the Validate button
read: the per-cell time limit of grading) beside them, so that validation works from any folder.
Existing settings in those files are kept. ``--config-dir DIR`` writes into another Jupyter
configuration folder instead (the one ``JUPYTER_CONFIG_DIR`` names).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

#: nbgrader 0.9.6's JupyterLab plugins that students do not use (the Nbgrader menu lists only these).
LAB_PLUGINS_OFF = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                   "@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:menu")
#: nbgrader's server extensions behind those plugins.
SERVER_EXTENSIONS_OFF = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.assignment_list",
                         "nbgrader.server_extensions.course_list")
#: The server extension behind the Validate button, kept on.
VALIDATE_EXTENSION = "nbgrader.server_extensions.validate_assignment"


def _merge_json(path: Path, update: dict) -> None:
    """Deep-merge ``update`` into the JSON object in ``path`` (created if missing)."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() and path.stat().st_size else {}

    def merge(into: dict, new: dict) -> None:
        for key, value in new.items():
            if isinstance(value, dict) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = value

    merge(data, update)
    os.makedirs(path.parent, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def bundle_nbgrader_config() -> Path | None:
    """The bundle's ``nbgrader_config.py``: in the current folder, or beside the ``labkit`` folder."""
    for folder in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if (folder / "nbgrader_config.py").is_file() and (folder / "labs").is_dir():
            return folder / "nbgrader_config.py"
    return None


def install(config_dir: Path, nbgrader_config: Path | None) -> list[Path]:
    """Write the student setup into Jupyter configuration folder ``config_dir``; returns the files written."""
    config_dir = Path(config_dir)
    page = config_dir / "labconfig" / "page_config.json"
    _merge_json(page, {"disabledExtensions": {plugin: True for plugin in LAB_PLUGINS_OFF}})
    server = config_dir / "jupyter_server_config.json"
    _merge_json(server, {"ServerApp": {"jpserver_extensions": {
        **{name: False for name in SERVER_EXTENSIONS_OFF}, VALIDATE_EXTENSION: True}}})
    written = [page, server]
    if nbgrader_config is not None:
        shutil.copyfile(nbgrader_config, config_dir / "nbgrader_config.py")
        written.append(config_dir / "nbgrader_config.py")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labkit.jupyter_setup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config-dir", type=Path, default=Path(sys.prefix) / "etc" / "jupyter",
                        help="Jupyter configuration folder (default: this environment's, <sys.prefix>/etc/jupyter)")
    args = parser.parse_args(argv)
    config = bundle_nbgrader_config()
    for path in install(args.config_dir, config):
        print(f"wrote {path}")
    if config is None:
        print("no nbgrader_config.py of the bundle found (run this from the bundle's folder): "
              "nbgrader validate then uses nbgrader's defaults", file=sys.stderr)
    print("JupyterLab: the Validate button is on; nbgrader's instructor tools and Assignment List are off.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
