#!/usr/bin/env python3
"""Set up what the add-on's scripts need and a machine may lack: an Odoo source
tree and the Python environment that runs it.

    setup_odoo.py --series 19.0 --home /opt/odoo/19.0 --venv /opt/odoo/venv19 --module-dir .

Each step is skipped when its result is already there, so a second run takes a
second. Each step is also safe to interrupt: the source is extracted beside its
destination and renamed into place, and the environment is marked complete
only after its last install succeeded (an interrupted one is finished on the
next run).

The source comes from ODOO_REPO (Odoo's official repository by default, or any
git repository: a URL or a local git directory) at ODOO_REF (the series branch
by default, or any branch, tag or commit). Only Odoo's Community files are
taken: odoo-bin, requirements.txt, odoo/ and addons/, never a folder that is
not Odoo's (``odoo/enterprise`` in some public copies). Both layouts work: addons under
addons/ (Odoo's repository) or all of them under odoo/addons (packaged trees).
"""
import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

OFFICIAL_REPO = "https://github.com/odoo/odoo.git"
SUPPORTED_SERIES = ("18.0", "19.0")
# The Python each series is tested with here (and the one Odoo's pins target first).
SERIES_PYTHON = {"18.0": "3.11", "19.0": "3.12"}
# Folders some public copies put beside Odoo's own code, never taken: Odoo's
# proprietary modules and third-party addons. (Only odoo-bin, requirements.txt,
# odoo/ and addons/ are taken at all.)
FOREIGN_FOLDERS = ("odoo/enterprise", "odoo/custom-addons", "addons/enterprise")
TAKEN_PATHS = ("odoo-bin", "requirements.txt", "odoo", "addons")
HERE = os.path.dirname(os.path.abspath(__file__))


def log(message):
    print(f"[setup] {message}", file=sys.stderr, flush=True)


def die(message):
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def run(cmd, check=True, **kwargs):
    return subprocess.run(cmd, check=check, **kwargs)


def git(git_dir, *args, **kwargs):
    return run(["git", f"--git-dir={git_dir}", *args], **kwargs)


# --- Odoo source --------------------------------------------------------------

def local_git_dir(repo):
    """The git directory of ``repo`` when it is a local repository, else None."""
    if not os.path.isdir(repo):
        return None
    result = run(["git", "-C", repo, "rev-parse", "--absolute-git-dir"],
                 capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def fetch_shallow(repo, ref, work):
    """A bare repository in ``work`` holding ``ref`` of ``repo`` at depth 1."""
    git_dir = os.path.join(work, "fetch.git")
    run(["git", "init", "--quiet", "--bare", git_dir])
    log(f"fetching {ref} from {repo} (one commit, no history)")
    result = git(git_dir, "fetch", "--depth", "1", "--progress", repo, ref, check=False)
    if result.returncode:
        die(f"could not fetch {ref} from {repo}. Set ODOO_REPO to a git repository you can reach "
            "(a URL or a local git directory) and ODOO_REF to a branch, tag or commit of it.")
    return git_dir, "FETCH_HEAD"


def excluded_paths(git_dir, commit):
    """Folders not to take: the ones some public copies add inside odoo/ that are
    not Odoo's Community code (proprietary modules, someone's own addons)."""
    listing = git(git_dir, "ls-tree", "--name-only", commit, "--", "odoo/", "addons/",
                  capture_output=True, text=True).stdout.splitlines()
    return [p for p in FOREIGN_FOLDERS if p in listing]


def install_source(home, series, repo, ref):
    if os.path.isfile(os.path.join(home, "odoo-bin")):
        return
    parent = os.path.dirname(os.path.abspath(home))
    os.makedirs(parent, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".odoo-setup-", dir=parent) as work:
        git_dir = local_git_dir(repo)
        commit = ref
        if git_dir:
            log(f"taking Odoo {series} from the local repository {git_dir} at {ref}")
            if git(git_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}",
                   capture_output=True, check=False).returncode:
                die(f"{ref} is not a commit of {git_dir} (ODOO_REF)")
        else:
            git_dir, commit = fetch_shallow(repo, ref, work)
        top = set(git(git_dir, "ls-tree", "--name-only", commit,
                      capture_output=True, text=True).stdout.split())
        paths = [p for p in TAKEN_PATHS if p in top]
        if "odoo-bin" not in paths or "odoo" not in paths:
            die(f"{repo} at {ref} is not an Odoo source tree (no odoo-bin and odoo/ at its top)")
        excluded = excluded_paths(git_dir, commit)
        if excluded:
            log(f"leaving out what is not Odoo Community: {', '.join(sorted(excluded)[:8])}"
                + (" …" if len(excluded) > 8 else ""))
        target = os.path.join(work, "tree")
        os.makedirs(target)
        log(f"extracting {', '.join(paths)} into {home}")
        with tempfile.TemporaryFile() as errors:
            # git may complain about objects a partial copy lacks outside the taken paths.
            archive = subprocess.Popen(
                ["git", f"--git-dir={git_dir}", "archive", "--format=tar", commit, "--", *paths,
                 *(f":(exclude){p}" for p in excluded)],
                stdout=subprocess.PIPE, stderr=errors)
            run(["tar", "-x", "-C", target], stdin=archive.stdout)
            if archive.wait():
                errors.seek(0)
                die(f"git archive of {ref} failed: {errors.read().decode(errors='replace')[-2000:]}")
        found = read_series(target)
        if found != series:
            die(f"{repo} at {ref} holds Odoo {found}, not {series} (ODOO_VERSION)")
        if os.path.lexists(home):
            if os.listdir(home):
                die(f"{home} is neither empty nor an Odoo tree (no odoo-bin): empty it or set ODOO_HOME")
            os.rmdir(home)  # an empty folder given as the destination
        os.rename(target, home)
    log(f"Odoo {series} source ready in {home}")


def read_series(home):
    release = os.path.join(home, "odoo", "release.py")
    try:
        with open(release, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    match = re.search(r"^version_info\s*=\s*\((\d+),\s*(\d+)", text, re.M)
    if not match:
        return None
    major, minor = match.groups()
    if major.startswith("saas"):
        return None
    return f"{major}.{minor}"


# --- Python environment -------------------------------------------------------

def find_python(version):
    """An interpreter of ``version`` (e.g. 3.12): on PATH, then pyenv's versions."""
    candidates = []
    if os.environ.get("ODOO_SYSTEM_PYTHON"):
        candidates.append(os.environ["ODOO_SYSTEM_PYTHON"])
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    versions = os.path.join(pyenv_root, "versions")
    if os.path.isdir(versions):
        for name in sorted(os.listdir(versions), reverse=True):
            if name == version or name.startswith(version + "."):
                candidates.append(os.path.join(versions, name, "bin", f"python{version}"))
    for folder in ("/usr/local/bin", "/usr/bin"):
        candidates.append(os.path.join(folder, f"python{version}"))
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            result = run([candidate, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
                         capture_output=True, text=True, check=False)
            if result.returncode == 0 and result.stdout.strip() == version:
                return candidate
    return None


def odoo_requirements(home, series):
    """Odoo's own requirements file, or the pins Odoo gives for this series when
    the tree carries an unpinned list (packaged trees such as the Windows build)."""
    own = os.path.join(home, "requirements.txt")
    if os.path.isfile(own):
        with open(own, encoding="utf-8") as f:
            if "==" in f.read():
                return own
    pins = os.path.join(HERE, "odoo-pins", f"{series}.txt")
    if not os.path.isfile(pins):
        die(f"{own} pins no versions and there are no known pins for Odoo {series}")
    return pins


def system_packages_for(series):
    """Debian packages Odoo's requirements need to build on this Python, if missing."""
    if not shutil.which("dpkg-query"):
        return  # not Debian: pip says what it cannot build
    needed = ["libpq-dev"]
    if series != "18.0":
        needed += ["libldap2-dev", "libsasl2-dev"]  # python-ldap has no wheel for 3.12
    missing = [p for p in needed
               if run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True,
                      check=False).stdout.strip() != "install ok installed"]
    if not missing:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log(f"installing {' '.join(missing)} (needed to build Odoo's Python requirements)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if run(["apt-get", "install", "-y", "-qq", *missing], env=env, check=False).returncode:
            run(["apt-get", "update", "-qq"], env=env, check=False)
            if run(["apt-get", "install", "-y", "-qq", *missing], env=env, check=False).returncode:
                die(f"could not install {' '.join(missing)}: apt-get install {' '.join(missing)}")
    else:
        die(f"Odoo's requirements need {' '.join(missing)}: sudo apt-get install {' '.join(missing)}")


def digest(paths):
    h = hashlib.sha1()
    for path in paths:
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def install_venv(venv, home, series, module_dir):
    odoo_reqs = odoo_requirements(home, series)
    ours = [os.path.join(module_dir, "requirements.txt"), os.path.join(module_dir, "requirements-dev.txt")]
    stamp = os.path.join(venv, ".crm_missed_call_textback-requirements")
    wanted = digest([odoo_reqs, *ours])
    python = os.path.join(venv, "bin", "python")
    if os.path.isfile(stamp) and os.path.exists(python):
        with open(stamp, encoding="utf-8") as f:
            if f.read().strip() == wanted:
                return
    fresh = not os.path.exists(python)
    if fresh:
        version = SERIES_PYTHON[series]
        base = find_python(version)
        if not base:
            die(f"Odoo {series} runs here on Python {version}, and no python{version} was found "
                f"(install it, e.g. pyenv install {version}, or set ODOO_SYSTEM_PYTHON)")
        log(f"creating the Python {version} environment {venv} (from {base})")
        run([base, "-m", "venv", venv])
    system_packages_for(series)
    # Progress bars for a new environment; only what changes when bringing one up to date.
    pip = [python, "-m", "pip", "--disable-pip-version-check", *([] if fresh else ["--quiet"])]
    log(f"installing Odoo {series}'s Python requirements ({odoo_reqs}"
        + (", as Odoo pins them: the tree's own list is unpinned)" if odoo_reqs.startswith(HERE) else ")"))
    run([*pip, "install", "--progress-bar", "on", "wheel", "setuptools<81"])
    run([*pip, "install", "--progress-bar", "on", "-r", odoo_reqs])
    # The add-on's and the test tools' packages may not move what Odoo pinned.
    freeze = run([*pip, "freeze", "--exclude-editable"], capture_output=True, text=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as constraints:
        constraints.write(freeze)
    try:
        log("installing the add-on's requirements and the test tools")
        run([*pip, "install", "--progress-bar", "on", "-c", constraints.name,
             *(arg for req in ours for arg in ("-r", req))])
    finally:
        os.unlink(constraints.name)
    run([*pip, "check"])
    with open(stamp + ".tmp", "w", encoding="utf-8") as f:
        f.write(wanted)
    os.replace(stamp + ".tmp", stamp)
    log(f"Python environment ready in {venv}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", required=True, choices=SUPPORTED_SERIES)
    parser.add_argument("--home", required=True, help="the Odoo source tree (holding odoo-bin)")
    parser.add_argument("--venv", required=True, help="the Python environment that runs it")
    parser.add_argument("--module-dir", required=True, help="this add-on (its requirements files)")
    parser.add_argument("--repo", default=os.environ.get("ODOO_REPO") or OFFICIAL_REPO)
    parser.add_argument("--ref", default=os.environ.get("ODOO_REF"))
    args = parser.parse_args()
    install_source(args.home, args.series, args.repo, args.ref or args.series)
    found = read_series(args.home)
    if found != args.series:
        die(f"{args.home} holds Odoo {found or '(unknown)'}, not {args.series}: point ODOO_HOME elsewhere "
            "or set ODOO_VERSION to match")
    install_venv(args.venv, args.home, args.series, args.module_dir)


if __name__ == "__main__":
    main()
