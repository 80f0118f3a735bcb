"""`videoclf doctor`, the device facts for results.json, quiet TensorFlow start-up and the [gpu] extra,
each in a fresh process as a user runs them.

The doctor's checks and the GPU paths are tested with stand-ins in nbs/00b_device.ipynb; here a fake
`nvidia-smi` on the PATH makes this CPU machine look like a GPU VM whose TensorFlow sees no GPU.
"""
import json, os, re, subprocess, sys
from configparser import ConfigParser
from importlib.metadata import metadata
from pathlib import Path
import pytest
from videoclf import nvidia_present

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent/'videoclf'
# the lines this machine's TensorFlow prints on start-up (absl banner, C++ INFO/WARNING/ERROR lines, CPU-features note)
NOISE = re.compile(r'absl::InitializeLog|^[IWE]\d{4} \d\d:\d\d:|failed call to cuInit|rebuild TensorFlow', re.M)
cpu_only = pytest.mark.skipif(nvidia_present(), reason='needs a machine without an NVIDIA GPU')

def run(args, **env):
    "Run a command with TensorFlow's and videoclf's log settings cleared, plus `env`."
    base = {k: v for k, v in os.environ.items() if k not in ('VIDEOCLF_TF_LOGS', 'TF_CPP_MIN_LOG_LEVEL')}
    return subprocess.run([str(a) for a in args], env={**base, 'MPLBACKEND': 'Agg', **env}, capture_output=True,
                          text=True, timeout=300, cwd=ROOT)

# a user's fresh process: import videoclf, use TensorFlow, record the device facts, run the doctor (what `videoclf doctor` runs)
CPU_RUN = ("import json, sys, videoclf; from videoclf import device; import tensorflow as tf; tf.config.list_physical_devices(); "
           "tf.matmul(tf.ones((2, 2)), tf.ones((2, 2))); "
           # a tf.data generator, as training uses: TensorFlow logs a C++ INFO line at run time (after start-up)
           "list(tf.data.Dataset.from_generator(lambda: iter([1, 2]), output_signature=tf.TensorSpec((), tf.int32)).as_numpy_iterator()); "
           "print(json.dumps(device.device_facts())); "
           "from videoclf.cli import main; sys.exit(main(['doctor', '--root', sys.argv[1]]))")

@cpu_only
def test_on_a_cpu_machine(tmp_path):
    "No start-up or run-time INFO lines on stderr, the results.json device fields, and the doctor's report with exit status 0."
    r = run([sys.executable, '-c', CPU_RUN, tmp_path])
    assert r.returncode == 0, r.stdout + r.stderr
    assert not NOISE.search(r.stderr), f"TensorFlow start-up lines leaked:\n{r.stderr}"
    first, report = r.stdout.split('\n', 1)
    facts = json.loads(first)   # results.json fields, plain JSON
    assert list(facts) == ['device', 'device_kind', 'device_name', 'gpu_count', 'version_tensorflow', 'version_cuda',
                           'version_cudnn', 'gpu_driver', 'nvidia_gpu_unused']
    assert facts['device_kind'] == 'CPU' and facts['gpu_count'] == 0 and facts['device'].startswith('CPU: ')
    assert facts['version_cuda'] is None and facts['nvidia_gpu_unused'] is False and re.match(r'2\.\d+', facts['version_tensorflow'])
    for item in ['python', 'tensorflow', 'keras', 'TensorFlow GPUs  none', 'test matmul      ran on CPU:0', 'free disk',
                 'nvidia-smi       not found', 'ready: training and prediction run on the CPU',
                 '[note] no NVIDIA GPU on this machine', "pip install -e '.[gpu]'"]:
        assert item in report, f"{item!r} missing from:\n{report}"
    assert '[error]' not in report

@cpu_only
def test_opt_out_brings_the_lines_back():
    r = run([sys.executable, '-c', 'import videoclf; import tensorflow as tf; tf.config.list_physical_devices()'], VIDEOCLF_TF_LOGS='1')
    assert r.returncode == 0, r.stderr
    assert 'absl::InitializeLog' in r.stderr and 'failed call to cuInit' in r.stderr

SMI_XML = """<?xml version="1.0" ?>
<nvidia_smi_log>
  <driver_version>550.54.15</driver_version>
  <cuda_version>12.4</cuda_version>
  <gpu id="00000000:00:1E.0">
    <product_name>NVIDIA A10G</product_name>
    <fb_memory_usage><total>23028 MiB</total><used>0 MiB</used></fb_memory_usage>
    <processes></processes>
  </gpu>
</nvidia_smi_log>"""

@cpu_only
def test_doctor_gpu_present_but_unusable(tmp_path):
    "nvidia-smi lists a GPU, TensorFlow (this CPU install) sees none: exit status 2 and the install line."
    bin_dir = tmp_path/'bin'; bin_dir.mkdir()
    (bin_dir/'smi.xml').write_text(SMI_XML)
    fake = bin_dir/'nvidia-smi'
    fake.write_text(f"#!/bin/sh\ncat '{bin_dir/'smi.xml'}'\n"); fake.chmod(0o755)
    r = run([BIN, 'doctor', '--root', tmp_path], PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "[error] TensorFlow sees no GPU but nvidia-smi lists one (NVIDIA A10G): TensorFlow's CUDA libraries are missing" in r.stdout
    assert "fix: install the [gpu] extra (TensorFlow with its CUDA and cuDNN libraries): pip install -e '.[gpu]'" in r.stdout
    assert 'nvidia-smi GPU 0  NVIDIA A10G, 0.0 GiB of 22.5 GiB in use' in r.stdout
    assert 'videoclf doctor: error: a GPU is present but TensorFlow cannot use it' in r.stderr

def _spec(reqs:str, name:str)->str:
    "Version bounds of package `name` in a settings.ini requirements line."
    m = re.search(rf'(?:^|\s){name}(?:\[[^\]]*\])?([<>=!~][^\s]*)', reqs)
    return m.group(1) if m else ''

def test_gpu_extra():
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini')
    d = cfg['DEFAULT']
    assert d['extra_gpu'].startswith('tensorflow[and-cuda]')
    assert _spec(d['extra_gpu'], 'tensorflow') == _spec(d['requirements'], 'tensorflow') != ''   # same TensorFlow either way
    md = metadata('videoclf')   # setup.py turned every extra_<name> into an install extra
    assert 'gpu' in md.get_all('Provides-Extra')
    assert any(r.startswith('tensorflow[and-cuda]') and 'extra == "gpu"' in r for r in md.get_all('Requires-Dist'))
