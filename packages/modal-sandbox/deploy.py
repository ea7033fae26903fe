"""Deploy the Proliferate sandbox image to Modal.

    modal deploy deploy.py     # builds the image and deploys the app
    modal run deploy.py        # prints MODAL_IMAGE_ID=<id> for the platform's environment

The platform's Modal provider (packages/sandbox/src/providers/modal) creates sandboxes in the app
named by MODAL_APP_NAME from the image MODAL_IMAGE_ID. MODAL_APP_SUFFIX gives each developer an
app of their own (proliferate-sandbox-<suffix>).
"""

import os
from pathlib import Path

import modal

HERE = Path(__file__).parent
# The Dockerfile copies the platform's in-sandbox helpers, so the build context is the repo root.
ROOT = HERE.parent.parent
# Keep in step with packages/agent-runtime's opencode-ai (modal-sandbox.test.ts checks it).
OPENCODE_VERSION = "1.18.33"

APP_NAME = os.environ.get("MODAL_APP_NAME", "proliferate-sandbox")
if os.environ.get("MODAL_APP_SUFFIX"):
    APP_NAME = f"{APP_NAME}-{os.environ['MODAL_APP_SUFFIX']}"

# Modal runs functions with Python; add_python leaves the sandbox image itself unchanged.
MCP_BUNDLE = ROOT / "packages" / "sandbox-mcp" / "dist" / "sandbox-mcp.mjs"
if not MCP_BUNDLE.exists():
    raise SystemExit(
        f"{MCP_BUNDLE} is missing: build it first (bash scripts/bootstrap.sh, or pnpm --filter @proliferate/sandbox-mcp build)"
    )

image = modal.Image.from_dockerfile(
    HERE / "Dockerfile",
    context_dir=ROOT,
    build_args={"OPENCODE_VERSION": OPENCODE_VERSION},
    add_python="3.12",
)

app = modal.App(APP_NAME, image=image)


@app.function()
def get_image_id() -> dict:
    """The id of the image this function runs in: what sandboxes are created from."""
    return {"image_id": os.environ["MODAL_IMAGE_ID"]}


@app.function()
def health() -> dict:
    """Runs a command from the image to prove it is usable."""
    import subprocess

    version = subprocess.run(
        ["/opt/opencode/opencode", "--version"], capture_output=True, text=True, check=True
    )
    for helper in ("/opt/proliferate/agent/platform-tools-mcp.mjs", "/opt/proliferate/mcp/sandbox-mcp.mjs"):
        if not Path(helper).exists():
            raise RuntimeError(f"the image lacks {helper}")
    return {"status": "ok", "opencode": version.stdout.strip()}


@app.local_entrypoint()
def main() -> None:
    print(f"app: {APP_NAME}")
    print(f"health: {health.remote()}")
    print(f"MODAL_IMAGE_ID={get_image_id.remote()['image_id']}")
