#!/usr/bin/env bash
# Create .venv/ with lstmkit (editable) and its test tools.
# When the venv has no PyTorch yet, the CPU build is installed first: a plain `pip install torch` on Linux
# pulls a CUDA build of several GB. Have a GPU? Install the CUDA build of torch into .venv first.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
    echo "installing the CPU build of PyTorch into .venv ..."
    .venv/bin/pip install -q --retries 1 --timeout 20 \
        --index-url https://download.pytorch.org/whl/cpu --extra-index-url https://pypi.org/simple "torch==2.13.0"
fi
.venv/bin/pip install -q -e ".[dev]"
