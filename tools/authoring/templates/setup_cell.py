# Set-up: run this cell first. It finds the course (in Colab it fetches it) and fixes the seeds.
import os, subprocess, sys
from pathlib import Path

REPO, BRANCH, here = "https://github.com/rnn-course/rnn-course.git", "main", Path.cwd()
ROOT = next((p for p in [here, *here.parents] if (p / "utils/notebook.py").exists()), None)
ROOT = Path(os.environ.get("RNN_COURSE_ROOT") or ROOT or "/content/rnn-course")
if "google.colab" in sys.modules and not (ROOT / "utils").is_dir():  # Colab: fetch the course once
    subprocess.run(["git", "clone", "-q", "--depth=1", "-b", BRANCH, REPO, str(ROOT)], check=True)
if not (ROOT / "utils/notebook.py").exists():
    raise RuntimeError("Course files not found: open the notebook inside the course folder.")
sys.path.insert(0, str(ROOT))
from utils.notebook import setup

setup(seed=42)
