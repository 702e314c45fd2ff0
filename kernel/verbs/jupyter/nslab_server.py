"""The JupyterLab frontend that `neurostorm lab` serves when no `jupyter lab` is installed: the
npm-assembled JupyterLab 4 bundle (static/, templates/, schemas/, themes/ in NSLAB_APP_DIR) served
by jupyterlab_server's LabServerApp on jupyter_server. Prebuilt labextensions come only from the
folders in NSLAB_LABEXTENSIONS (where `neurostorm lab` has just installed ours): extensions built for
another JupyterLab, installed system-wide, could break this bundle.

Started as `python3 -c "import nslab_server as s; s.main()"` so the app lives in a real module
(jupyter_server finds extension apps through their module).
"""
import os

from jupyterlab_server import LabServerApp
from traitlets import default

APP_DIR = os.environ.get("NSLAB_APP_DIR", "")
STATE_DIR = os.environ.get("NSLAB_STATE_DIR", "")


class NeuroStormLab(LabServerApp):
    name = "neurostorm-lab"
    app_name = "NeuroSTORM Lab"
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = False

    @default("static_dir")
    def _static_dir(self):
        return os.path.join(APP_DIR, "static")

    @default("templates_dir")
    def _templates_dir(self):
        return os.path.join(APP_DIR, "templates")

    @default("schemas_dir")
    def _schemas_dir(self):
        return os.path.join(APP_DIR, "schemas")

    @default("themes_dir")
    def _themes_dir(self):
        return os.path.join(APP_DIR, "themes")

    @default("app_settings_dir")
    def _app_settings_dir(self):
        return os.path.join(APP_DIR, "settings")

    @default("user_settings_dir")
    def _user_settings_dir(self):
        return os.path.join(STATE_DIR, "user-settings")

    @default("workspaces_dir")
    def _workspaces_dir(self):
        return os.path.join(STATE_DIR, "workspaces")

    @default("labextensions_path")
    def _labextensions_path(self):
        return [p for p in os.environ.get("NSLAB_LABEXTENSIONS", "").split(os.pathsep) if p]


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": NeuroStormLab}]


def main():
    NeuroStormLab.launch_instance()
