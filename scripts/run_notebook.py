"""Execute the run's notebook headless against it. Usage: run_notebook.py RUN_DIR

The notebook is the scenario's, read from samples.parquet's metadata: notebooks/explore.ipynb
for a reentry run, notebooks/cruise.ipynb for a cruise run. Runs every cell with nbclient
(kernel python3, 600 s per cell) and DISPERSA_RUN=RUN_DIR, in notebooks/ as Jupyter would. The
committed notebook is only read: the executed copy stays in memory. Exits non-zero with the
failing cell's error."""
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

import pyarrow.parquet as pq

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
BY_SCENARIO = {"reentry": "explore.ipynb", "cruise": "cruise.ipynb"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    run = Path(sys.argv[1]).resolve()
    if not (run / "samples.parquet").is_file():
        # The notebooks read one run's samples.parquet; say what the directory is instead, and
        # where to look (a review).
        shards = sorted(run.glob("shard=*"))
        if shards:
            hint = (f"; it holds {len(shards)} shards, whose samples are a Parquet dataset (hive "
                    f"partitioning, README \"Running on a cluster\"): read them with DuckDB or "
                    f"pyarrow.dataset, or see `dispersa report {run}`")
        elif run.name.startswith("shard=") or list(run.glob("part-*.parquet")):
            hint = ("; it is one shard, whose samples are part files: read the whole dataset "
                    f"from {run.parent} with DuckDB or pyarrow.dataset")
        elif (run / "corridor.parquet").is_file():
            hint = f"; it is a corridor: see `dispersa report {run}`"
        else:
            hint = ""
        sys.exit(f"run_notebook: no samples.parquet in {run}{hint}")
    meta = pq.read_metadata(run / "samples.parquet").metadata or {}
    scenario = meta.get(b"dispersa.scenario", b"?").decode()
    if scenario not in BY_SCENARIO:
        sys.exit(f"run_notebook: {run} is a {scenario} run; notebooks exist for "
                 f"{', '.join(BY_SCENARIO)}")
    notebook = NOTEBOOKS / BY_SCENARIO[scenario]
    os.environ["DISPERSA_RUN"] = str(run)  # the kernel inherits this process's environment
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(notebook.parent)}})
    start = time.monotonic()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        for i, cell in enumerate(nb.cells):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    print(ANSI.sub("", "\n".join(out["traceback"])), file=sys.stderr)
                    sys.exit(f"run_notebook: {notebook.name} cell {i} ({cell.get('id')}) failed "
                             f"with DISPERSA_RUN={run}: {out['ename']}: {out['evalue']}")
        print(ANSI.sub("", str(e)), file=sys.stderr)  # a timeout or a dead kernel: no error output
        sys.exit(f"run_notebook: {notebook.name} failed with DISPERSA_RUN={run}: "
                 f"{type(e).__name__}")
    code_cells = sum(c.cell_type == "code" for c in nb.cells)
    print(f"notebook ok: {notebook.name}, {code_cells} code cells on {run} "
          f"in {time.monotonic() - start:.1f} s")


if __name__ == "__main__":
    main()
