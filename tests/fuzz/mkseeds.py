#!/usr/bin/env python3
"""Write the seed corpora of tests/fuzz (run from anywhere; stdlib only,
plus the zstd command for one seed).  The seeds are committed: run this only
to change them.  Each file is one input for tests/fuzz/fuzz-NAME.c."""
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
D = "sha256:" + "a" * 64
D2 = "sha256:" + "b" * 64
D3 = "sha256:" + "c" * 64


def out(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def references():
    seeds = [
        "alpine", "alpine:3.20", "docker.io/library/alpine:latest", "index.docker.io/library/busybox",
        "localhost/x", "localhost:5000/team/app:v1.2", "[::1]:5000/x/y@" + D,
        "ghcr.io/org/img:tag@" + D, "registry.example.com:443/a__b/c-d/e.f:_t-1.0",
        "Upper/case", "a/b/c/d/e/f/g", "x:" + "t" * 128, "busybox@sha256:abc",
        'Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"',
        'Basic realm="x, y" , charset=UTF-8', "Bearer service=x", "linux/amd64", "linux/arm64/v8",
        "linux/arm/v7", "windows/x86_64",
    ]
    for i, s in enumerate(seeds):
        out("reference", f"seed-{i:02d}", s)


def manifests():
    # first byte: index into fuzz-manifest.c's content type table
    NONE, JSON, OCI_INDEX, OCI_MAN, DOCKER_LIST, DOCKER_MAN, V1 = 0, 2, 4, 5, 6, 7, 9
    layer = {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": D2, "size": 123}
    oci = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": D, "size": 7},
           "layers": [layer, dict(layer, digest=D3)]}
    docker = dict(oci, mediaType="application/vnd.docker.distribution.manifest.v2+json")
    bare = {k: v for k, v in oci.items() if k != "mediaType"}

    def entry(os_, arch, variant=None, attest=False):
        e = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": D, "size": 500,
             "platform": {"os": os_, "architecture": arch}}
        if variant:
            e["platform"]["variant"] = variant
        if attest:
            e["annotations"] = {"vnd.docker.reference.type": "attestation-manifest"}
        return e

    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [entry("linux", "amd64"), entry("linux", "arm64", "v8"), entry("linux", "arm", "v6"),
                           entry("linux", "arm", "v7"), entry("unknown", "unknown"),
                           entry("linux", "amd64", attest=True), entry("windows", "amd64")]}
    seeds = [(OCI_MAN, oci), (DOCKER_MAN, docker), (NONE, bare), (JSON, oci), (OCI_INDEX, index),
             (DOCKER_LIST, dict(index, mediaType="application/vnd.docker.distribution.manifest.list.v2+json")),
             (NONE, {k: v for k, v in index.items() if k != "mediaType"}), (OCI_INDEX, oci),
             (V1, {"schemaVersion": 1, "name": "x", "tag": "y"})]
    for i, (ct, m) in enumerate(seeds):
        out("manifest", f"seed-{i:02d}", bytes([ct]) + json.dumps(m).encode())


def configs():
    full = {"architecture": "amd64", "os": "linux", "created": "2024-01-02T03:04:05Z",
            "config": {"Env": ["PATH=/usr/bin:/bin", "A=1"], "Entrypoint": ["/bin/sh", "-c"], "Cmd": ["echo hi"],
                       "WorkingDir": "/srv", "User": "1000:1000", "StopSignal": "SIGTERM",
                       "ExposedPorts": {"80/tcp": {}, "53/udp": {}}, "Shell": ["/bin/ash", "-eo", "pipefail", "-c"],
                       "OnBuild": ["RUN echo trigger", "ENV T=1", "COPY --chown=1:1 a /b", "WORKDIR $T"]},
            "rootfs": {"type": "layers", "diff_ids": [D, D2, D3]},
            "history": [{"created_by": "x"}]}
    seeds = [full, {"rootfs": {"type": "layers", "diff_ids": []}},
             {"variant": "v8", "architecture": "arm64", "os": "linux", "rootfs": {"diff_ids": [D]},
              "config": {"Env": None, "Cmd": None, "Entrypoint": [], "OnBuild": ["ONBUILD RUN x", "FROM y"]}},
             {"config": {"WorkingDir": "", "Env": [1, "X"], "ExposedPorts": []}, "rootfs": {"diff_ids": ["sha256:x"]}}]
    for i, c in enumerate(seeds):
        out("config", f"seed-{i:02d}", json.dumps(c))


def containerfiles():
    ex = os.path.join(HERE, "..", "..", "Containerfile-examples")
    i = 0
    for name in sorted(os.listdir(ex)):
        p = os.path.join(ex, name, "Containerfile")
        if os.path.exists(p):
            shutil.copy(p, os.path.join(CORPUS, "containerfile", f"example-{name}"))
    seeds = [
        "FROM alpine\nMAINTAINER me\nLABEL a=1 \"b c\"=\"d e\"\nENV A=1 B=\"x y\"\nENV C=$A-${B:-z}\n"
        "EXPOSE 80 53/udp 8000-8001\nVOLUME [\"/data\"]\nUSER nobody\nWORKDIR /srv\nWORKDIR app\n"
        "STOPSIGNAL SIGINT\nHEALTHCHECK --interval=30s --retries=2 CMD wget -q localhost || exit 1\n"
        "SHELL [\"/bin/sh\", \"-ec\"]\nENTRYPOINT [\"/bin/echo\"]\nCMD [\"hello\"]\nONBUILD RUN echo t\n",
        "# escape=`\nFROM alpine\nRUN echo a `\n  b\nCOPY --chmod=0644 a.txt b.txt /dst/\n",
        "# syntax=docker/dockerfile:1\nARG BASE=alpine\nFROM ${BASE} AS build\nARG V=1\nRUN echo $V\n"
        "COPY src/ /src/\nFROM build\nCOPY --from=build /src /x\nCOPY --from=0 /src/main.c /y\n",
        "FROM alpine\nRUN <<EOF\necho hi\nEOF\nCOPY <<-EOT /f\n\tdata $A\n\tEOT\nRUN <<'A' <<\"B\"\n#!/bin/sh\nx\nA\ny\nB\n",
        "FROM busybox\nRUN echo $FROM_TRIGGER\nADD app.tar /opt/\nADD --chown=1:2 link dir/ /t/\n",
        "FROM scratch\nCOPY [\"a.txt\", \"/a\"]\nCMD [\"/a\"]\n",
        "ARG TARGETARCH\nFROM --platform=$BUILDPLATFORM alpine:3.20\nRUN [\"sh\", \"-c\", \"echo $TARGETARCH\"]\n"
        "HEALTHCHECK NONE\nENTRYPOINT []\n",
        "FROM alpine\n# comment\n\nRUN a \\\n# inner comment\n  b\nCOPY *.txt src/*.c /d/\nCOPY ignored.log /x\n",
    ]
    for s in seeds:
        out("containerfile", f"seed-{i:02d}", s)
        i += 1


def ignores():
    seeds = [
        "# comment\n*.log\n!keep.log\n/build\n**/node_modules\ndir/**\n\0a.log\nkeep.log\nbuild/x\nsrc/node_modules/y\ndir/a/b\n",
        "\ufeff  **/*.tmp  \r\n[a-c]?.txt\n!\\!bang\n\0x/y.tmp\nb1.txt\n!bang\n",
        "a/**/b\n**\n!a/**\n\0a/x/y/b\na/b\nc\n",
        "[^a]\n[\\]]x\n*/*/*\n../outside\n.\n\0z\n]x\na/b/c\n",
        "\0no/patterns\n",
    ]
    for i, s in enumerate(seeds):
        out("ignore", f"seed-{i:02d}", s)


def tar_bytes(entries, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for e in entries:
            kind, name = e[0], e[1]
            ti = tarfile.TarInfo(name)
            ti.mtime = 1000
            if kind == "f":
                data = e[2].encode()
                ti.size = len(data)
                ti.mode = 0o644
                t.addfile(ti, io.BytesIO(data))
                continue
            if kind == "d":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            elif kind == "l":
                ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, e[2], 0o777
            elif kind == "h":
                ti.type, ti.linkname, ti.mode = tarfile.LNKTYPE, e[2], 0o644
            elif kind == "c":
                ti.type, ti.devmajor, ti.devminor, ti.mode = tarfile.CHRTYPE, e[2], e[3], 0o600
            elif kind == "x":  # a directory with pax xattrs
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                ti.pax_headers = e[2]
            t.addfile(ti)
    # the end marker (two zero blocks) without tarfile's record padding
    data = buf.getvalue()
    end = len(data.rstrip(b"\0"))
    end = (end + 511) // 512 * 512
    return data[:end] + b"\0" * 1024


def tars():
    # unpacked into DIR/layer with DIR/outside/{victim,dir} beside it
    seeds = {
        "plain": [("d", "etc"), ("f", "etc/passwd", "root:x:0:0::/root:/bin/sh\n"), ("l", "etc/link", "passwd"),
                  ("h", "etc/hard", "etc/passwd"), ("d", "usr/bin"), ("f", "./usr/bin/x", "#!/bin/sh\n")],
        "dotdot": [("f", "../outside/victim", "pwned\n")],
        "dotdot-deep": [("d", "a"), ("f", "a/../../outside/new", "x")],
        "absolute": [("f", "/abs/file", "x"), ("d", "/")],
        "symlink-then-file": [("l", "link", "../outside"), ("f", "link/victim", "pwned\n")],
        "symlink-abs-then-dir": [("l", "link", "/"), ("d", "link/tmp/x")],
        "symlink-chain": [("l", "a", "b"), ("l", "b", "../outside/dir"), ("f", "a/new", "x")],
        "hardlink-out": [("h", "h", "../outside/victim")],
        "hardlink-via-symlink": [("l", "link", "../outside"), ("h", "h", "link/victim")],
        "whiteout": [("d", "dir"), ("f", "dir/.wh.gone", ""), ("f", "dir/.wh..wh..opq", ""), ("f", ".wh.top", "")],
        "whiteout-via-symlink": [("l", "link", "../outside"), ("f", "link/.wh.victim", "")],
        "opaque-via-symlink": [("l", "link", "../outside/dir"), ("f", "link/.wh..wh..opq", "")],
        "whiteout-dotdot": [("f", ".wh..", ""), ("f", "d/.wh...", "")],
        "device": [("c", "dev/null", 1, 3), ("c", "wh", 0, 0)],
        "xattrs": [("x", "d", {"SCHILY.xattr.trusted.overlay.opaque": "y", "SCHILY.xattr.user.x": "1"})],
        "replace-dir-with-link": [("d", "x"), ("f", "x/f", "1"), ("l", "x", "../outside"), ("f", "x/g", "2")],
        "gnu-longname": [("f", "d/" + "n" * 200, "long")],
    }
    for name, ents in seeds.items():
        out("tar", name, tar_bytes(ents))
    gnu = tar_bytes(seeds["plain"], fmt=tarfile.GNU_FORMAT)
    out("tar", "plain-gnu", gnu)
    out("tar", "plain-gzip", gzip.compress(tar_bytes(seeds["plain"]), mtime=0))
    out("tar", "escape-gzip", gzip.compress(tar_bytes(seeds["symlink-then-file"]), mtime=0))
    out("tar", "empty", b"")
    out("tar", "trailing-garbage", tar_bytes(seeds["plain"]) + b"garbage after the end marker")
    # the harness's own entry lists ("#tar\n" / "#tgz\n", see fuzz-tar.c)
    lists = {
        "list-escapes": "#tar\nd a\nf a/file data\nl link ../outside\nf link/victim pwned\n"
                        "h hard ../outside/victim\nh hard2 link/victim\nf ../outside/new x\nf /abs x\n",
        "list-whiteouts": "#tar\nd dir\nf dir/x 1\nf dir/.wh.x\nf dir/.wh..wh..opq\nl l ../outside/dir\n"
                          "f l/.wh..wh..opq\nf l/.wh.victim\nf .wh..\n",
        "list-replace": "#tgz\nd x\nf x/f 1\nl x ../outside\nf x/g 2\nc dev 1 3\nc wh 0 0\n"
                        "x d trusted.overlay.opaque y\nh h2 x/f\n",
    }
    for name, text in lists.items():
        out("tar", name, text)
    if shutil.which("zstd"):
        z = subprocess.run(["zstd", "-q", "-c", "--no-check"], input=tar_bytes(seeds["plain"]),
                           stdout=subprocess.PIPE, check=True).stdout
        out("tar", "plain-zstd", z)


def templates():
    """--format templates, a NUL, then the row as JSON (fuzz-template)."""
    row = json.dumps({"ID": "4f6a1c2b9d8e", "Names": "web_1", "Image": "nginx:1.25", "Args": ["-c", "echo hi"],
                      "State": {"Pid": 4242, "Running": True}, "Labels": {"com.example": "yes", "b": "2"},
                      "Ports": {"8787/tcp": [{"HostPort": "8787"}], "80/tcp": None}, "Ratio": 1.5,
                      "Mounts": [{"Source": "/a<b>&c", "Destination": "/d"}], "Size": "日本…"})
    seeds = [
        "table {{.ID}}\\t{{.Image}}\\t{{.Names}}", "json", "{{json .}}", "{{join .Args \" , \"}}",
        "{{json .Mounts}}", "{{lower .Names}} {{upper .Names}} {{title .Names}}", "{{split .Image \":\"}}",
        "{{range $k, $v := .Labels}}{{$k}}={{$v}}{{println}}{{end}}", "{{index .Labels \"com.example\"}}",
        "{{(index (index .Ports \"8787/tcp\") 0).HostPort}}", "{{pad .Size 2 3}}|{{truncate .ID 5}}",
        "{{if .State.Running}}up{{else if .Ratio}}r{{else}}down{{end}}",
        "{{with $x := .State}}{{$x.Pid}}{{end}}{{range $i, $e := .Args}}{{if eq $i 1}}{{break}}{{end}}{{$e}}{{end}}",
        "{{- /* comment */ -}} {{printf \"%-10s|%5.2f|%x|%q|%v\" .Names .Ratio .ID .Size .}}",
        "{{print 1 2.5 \"a\" nil}}{{len .Args | printf \"%d\"}}{{slice .ID 1 3}}{{not (or .X .Y)}}",
        "{{html .Mounts}}{{js .Size}}{{urlquery .Image}}{{range 3}}{{.}}{{end}}",
        "table {{.Names}}\t{{.Size}}\t{{.State.Pid}}", "{{.Names.X}}", "{{index .Args 9}}", "{{if}}",
    ]
    for i, t in enumerate(seeds):
        out("template", "seed-%02d" % i, t.encode() + b"\0" + row.encode())
    out("template", "no-data", b"{{.}}{{$}}{{range .}}x{{end}}")


def jsonlogs():
    """Lines of a json-file ctr.log (fuzz-jsonlog: parsed as one, and escaped as a record's text)."""
    seeds = [
        b'{"log":"hi\\n","stream":"stdout","time":"2026-12-06T03:54:44.123456789Z"}',
        b'{"log":"part","stream":"stderr","time":"2026-12-06T03:54:44Z"}',
        b'{"time":"2026-12-06T03:54:44.5Z","stream":"stdout","attrs":{"a":[1,2.5e3,{"b":null}],"c":true},"log":"x\\n"}',
        b'{"log":"q\\"b\\\\c \\u0001\\u001b[1m\\u0009\\r\\u003c\\u0026\\u003e \xc3\xa9 \\u2028 \\ufffd\\n",'
        b'"stream":"stdout","time":"2026-12-06T03:54:44.1Z"}',
        b'{"log":"\\ud83d\\ude00 \\ud800 \\udc00x \\/\\b\\f","stream":"stdout","time":"t"}',
        b'{"stream":"stdout","time":"2026-12-06T03:54:44Z"}',
        b'{"log":"broken","stream":"stdout","time":"x"',
        b'{"log":"x","stream":"stdin","time":"x"}',
        b'{"log":"x\\q","stream":"stdout","time":"x"}',
        b'{"log":"x","stream":"stdout","time":"x"} trailing',
        b'  {"log" : "x" , "stream" : "stdout" , "time" : "x" }  ',
        b'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
        b'{"a":' + b'[' * 40 + b']' * 40 + b',"stream":"stdout","time":"x"}',
        b'invalid \xff\xfe \xc3( \xe2\x82 \xf0\x9f\x98 \xed\xa0\x80 \xc0\xaf \xf4\x90\x80\x80',
        b'\x00\x01\x1f\x7f "\\ <&> \xe2\x80\xa8\xe2\x80\xa9 \xef\xbf\xbd',
        b'',
    ]
    for i, s in enumerate(seeds):
        out("jsonlog", "seed-%02d" % i, s)


def main():
    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)
    for t in ("reference", "manifest", "config", "containerfile", "ignore", "tar", "template", "jsonlog"):
        os.makedirs(os.path.join(CORPUS, t))
    references()
    manifests()
    configs()
    containerfiles()
    ignores()
    tars()
    templates()
    jsonlogs()


if __name__ == "__main__":
    sys.exit(main())
