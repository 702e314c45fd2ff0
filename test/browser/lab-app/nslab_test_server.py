"""JupyterLab test frontend server: Debian's jupyterlab_server (LabServerApp) on jupyter_server,
serving the webpack bundle built by test/browser/lab-app/bundle.ts.

Folders come from the environment: NSLAB_APP_DIR (the built bundle: static/, templates/, schemas/,
themes/), NSLAB_STATE_DIR (user settings and workspaces of this run) and NSLAB_LABEXTENSIONS (the
labextensions folders to serve prebuilt extensions from, os.pathsep-separated; only these, so
extensions installed system-wide stay out of the test). Start it with
`python3 -c "import nslab_test_server as s; s.main()"` so the extension lives in a real module.
"""
import os

from jupyterlab_server import LabServerApp
from traitlets import default

APP_DIR = os.environ.get("NSLAB_APP_DIR", "")
STATE_DIR = os.environ.get("NSLAB_STATE_DIR", "")


class NeuroStormTestLab(LabServerApp):
    name = "nslab"
    app_name = "NeuroSTORM Lab test"
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = False

    @default("static_dir")
    def _static(self):
        return os.path.join(APP_DIR, "static")

    @default("templates_dir")
    def _templates(self):
        return os.path.join(APP_DIR, "templates")

    @default("schemas_dir")
    def _schemas(self):
        return os.path.join(APP_DIR, "schemas")

    @default("themes_dir")
    def _themes(self):
        return os.path.join(APP_DIR, "themes")

    @default("app_settings_dir")
    def _app_settings(self):
        return os.path.join(APP_DIR, "settings")

    @default("user_settings_dir")
    def _user_settings(self):
        return os.path.join(STATE_DIR, "user-settings")

    @default("workspaces_dir")
    def _workspaces(self):
        return os.path.join(STATE_DIR, "workspaces")

    @default("labextensions_path")
    def _labextensions_path(self):
        return [p for p in os.environ.get("NSLAB_LABEXTENSIONS", "").split(os.pathsep) if p]


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": NeuroStormTestLab}]


def main():
    NeuroStormTestLab.launch_instance()
