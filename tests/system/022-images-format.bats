#!/usr/bin/env bats
#
# images through docker's formatter: --format json/table/template, docker's
# field names and values, -q, --no-trunc, --noheading; images --filter;
# untag, image exists, rmi -a/-i, image prune --filter.  No registry: the
# images are imported, tagged and built from imported ones.  JSON is read
# with jq.

load helpers

# docker's `images --format json` fields (docs/reference/commandline/image_ls.md,
# docker 28), in the order docker writes them (sorted, as Go marshals a map).
DOCKER_IMAGE_FIELDS='["Containers","CreatedAt","CreatedSince","Digest","ID","Repository","SharedSize","Size","Tag","UniqueSize","VirtualSize"]'

# import_alpine NAME: import the Alpine minirootfs as NAME; sets $ID (sha256:...).
import_alpine() {
    run_cc import "$(alpine_tarball)" "$1"
    ID=$output
    assert_match "$ID" '^sha256:[0-9a-f]{64}$' "import prints the image ID"
}

# tiny_image NAME CONTENT: import a one-file image as NAME; prints its ID.
tiny_image() {
    local dir=$BATS_TEST_TMPDIR/rootfs-$RANDOM
    mkdir -p "$dir" && printf '%s\n' "$2" >"$dir/f"
    tar -C "$dir" -cf "$dir.tar" f
    run_cc import "$dir.tar" "$1"
}

# labelled NAME FROM LABELS...: build NAME from FROM with LABEL lines.
labelled() {
    local name=$1 from=$2 ctx=$BATS_TEST_TMPDIR/ctx-$RANDOM
    shift 2
    mkdir -p "$ctx"
    {
        echo "FROM $from"
        local l
        for l in "$@"; do echo "LABEL $l"; done
    } >"$ctx/Containerfile"
    run_cc build -q -t "$name" "$ctx"
}

# rows JQFILTER: run_cc images --format json with the remaining args, then
# jq -r JQFILTER over the lines.
rows() {
    local filter=$1
    shift
    run_cc images --format json "$@"
    output=$(jq -r "$filter" <<<"$output") || die "jq $filter failed on: $output"
}

###############################################################################
# --format json: docker's fields and values

@test "images --format json: one object per line, docker's field names in docker's order" {
    import_alpine localhost/alp:1
    run_cc images --format json
    is "${#lines[@]}" 1 "one image, one line"
    is "$(jq -c 'keys_unsorted' <<<"${lines[0]}")" "$DOCKER_IMAGE_FIELDS" "field names and order"
    # every value is a string, as docker's formatter gives them
    is "$(jq -r '[.[] | type] | unique | join(",")' <<<"${lines[0]}")" "string" "value types"
    # {{json .}} is the same object
    run_cc images --format '{{json .}}'
    is "$(jq -c 'keys' <<<"$output")" "$(jq -c 'sort' <<<"$DOCKER_IMAGE_FIELDS")" "{{json .}} field names"
}

@test "images --format json: docker's values for ID, Repository, Tag, Digest, sizes, times" {
    import_alpine localhost/alp:1
    local json
    run_cc images --format json
    json=$output
    is "$(jq -r .ID <<<"$json")" "${ID:7:12}" "ID: 12 hex, sha256: dropped"
    is "$(jq -r .Repository <<<"$json")" "localhost/alp" "Repository"
    is "$(jq -r .Tag <<<"$json")" "1" "Tag"
    is "$(jq -r .Digest <<<"$json")" "<none>" "Digest without --digests"
    is "$(jq -r .Containers <<<"$json")" "N/A" "Containers"
    is "$(jq -r .SharedSize <<<"$json")" "N/A" "SharedSize"
    is "$(jq -r .UniqueSize <<<"$json")" "N/A" "UniqueSize"

    # Size: units.HumanSizeWithPrecision(size, 3); VirtualSize: units.HumanSize (4)
    run_cc image inspect localhost/alp:1
    local bytes created
    bytes=$(jq -r '.[0].Size' <<<"$output")
    created=$(jq -r '.[0].Created' <<<"$output")
    ((bytes > 1000000)) || die "alpine is bigger than 1MB: $bytes"
    is "$(jq -r .Size <<<"$json")" "$(LC_ALL=C awk -v b="$bytes" 'BEGIN { printf "%.3gMB", b / 1e6 }')" "Size"
    is "$(jq -r .VirtualSize <<<"$json")" "$(LC_ALL=C awk -v b="$bytes" 'BEGIN { printf "%.4gMB", b / 1e6 }')" \
        "VirtualSize"
    assert_match "$(jq -r .Size <<<"$json")" '^[0-9]+(\.[0-9]+)?MB$' "Size like 7.8MB"

    # CreatedAt: Go's time.String() in the local zone; the same second as inspect's Created
    local at
    at=$(jq -r .CreatedAt <<<"$json")
    assert_match "$at" '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [-+][0-9]{4} [A-Za-z0-9+-]+$' \
        "CreatedAt like 2006-01-02 15:04:05 -0700 MST"
    is "$(date -d "${at% *}" +%s)" "$(date -d "$created" +%s)" "CreatedAt is the image's creation time"
    # CreatedSince: units.HumanDuration + " ago"
    assert_match "$(jq -r .CreatedSince <<<"$json")" '^(Less than a second|[0-9]+ seconds|1 second|About a minute) ago$' \
        "CreatedSince"
    TZ=Asia/Tokyo run_cc images --format '{{.CreatedAt}}'
    assert_match "$output" ' \+0900 JST$' "CreatedAt in the local zone"
}

@test "images --no-trunc: IDs with sha256:, in every form" {
    import_alpine localhost/alp:1
    rows .ID --no-trunc
    is "$output" "$ID" "json ID with --no-trunc"
    run_cc images -q --no-trunc
    is "$output" "$ID" "-q --no-trunc"
    run_cc images --no-trunc --noheading --format 'table {{.ID}}'
    is "$output" "$ID" "table ID with --no-trunc"
}

###############################################################################
# the table, templates, -q, --noheading

@test "images: docker's default table; --digests adds DIGEST; --noheading drops the header" {
    import_alpine localhost/alp:1
    run_cc images
    assert_match "${lines[0]}" '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$' "default header"
    assert_match "${lines[1]}" "^localhost/alp +1 +${ID:7:12} +.* ago +[0-9.]+MB$" "default row"
    run_cc images --digests
    assert_match "${lines[0]}" '^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE$' "--digests header"
    assert_match "${lines[1]}" "^localhost/alp +1 +<none> +${ID:7:12} " "--digests row"
    run_cc images --noheading
    is "${#lines[@]}" 1 "--noheading: the row only"
    assert_match "${lines[0]}" "^localhost/alp +1 +${ID:7:12} " "--noheading row"
    run_cc images -n
    is "${#lines[@]}" 1 "-n is --noheading"
}

@test "images --format 'table ...', plain templates, --digests on a custom table" {
    import_alpine localhost/alp:1
    run_cc tag localhost/alp:1 localhost/alp:2
    run_cc images --format 'table {{.Repository}}\t{{.Tag}}'
    is "${lines[0]}" "REPOSITORY      TAG" "header of a custom table (tabwriter: minwidth 10, padding 3)"
    is "$(printf '%s\n' "${lines[@]:1}" | sort)" "$(printf '%s\n' 'localhost/alp   1' 'localhost/alp   2')" "rows"
    run_cc images --format 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedAt}}\t{{.Size}}\t{{.Containers}}\t{{.SharedSize}}\t{{.UniqueSize}}'
    assert_match "${lines[0]}" '^IMAGE ID +CREATED +CREATED AT +SIZE +CONTAINERS +SHARED SIZE +UNIQUE SIZE$' \
        "docker's headers"
    run_cc images --format 'table {{.Repository}}:{{.Tag}}' --digests
    assert_match "${lines[0]}" '^REPOSITORY:TAG +DIGEST$' "--digests appends a DIGEST column to a table"
    run_cc images --format '{{.ID}}'
    is "$output" "${ID:7:12}"$'\n'"${ID:7:12}" "a template runs once per row (a row per tag)"
    run_cc images --format '{{.Repository}}:{{.Tag}} {{.Digest}}'
    is "$(sort <<<"$output")" "localhost/alp:1 <none>"$'\n'"localhost/alp:2 <none>" "template over fields"
    run_cc images --noheading --format 'table {{.Tag}}'
    is "$(sort <<<"$output")" "1"$'\n'"2" "--noheading with a custom table"
    run_cc 1 images --format '{{.Nope'
    assert_match "$stderr" '^Error: template parsing error: template: :1: ' "a bad template is docker's error"
    is "$output" "" "nothing written"
    run_cc 1 images --format '{{.Tag}} {{.Nosuch}}'
    assert_contains "$stderr" 'executing "" at <.Nosuch>: map has no entry for key "Nosuch"' "a field images have not"
    is "$output" "" "nothing written"
}

@test "images -q: one ID per image, however many tags it has" {
    import_alpine localhost/alp:1
    run_cc tag localhost/alp:1 localhost/alp:2
    run_cc tag localhost/alp:1 localhost/other:latest
    tiny_image localhost/tiny:1 hi
    local tiny=$output
    run_cc images -q
    is "${#lines[@]}" 2 "two images, three tags: two IDs"
    is "$(printf '%s\n' "${lines[@]}" | sort)" "$(printf '%s\n' "${ID:7:12}" "${tiny:7:12}" | sort)" "the IDs"
    run_cc images --format json
    is "${#lines[@]}" 4 "json: a row per tag"
    run_cc rmi -f $(timeout 30 "$CC" --root "$CC_ROOT" images -q)
    run_cc images -q
    is "$output" "" "rmi -f \$(images -q) removed everything"
}

###############################################################################
# --filter

@test "images --filter dangling=true|false" {
    tiny_image localhost/a:1 a
    local a=$output
    tiny_image localhost/b:1 b
    local b=$output
    run_cc untag localhost/b:1
    rows '.Repository + ":" + .Tag + " " + .ID' --filter dangling=true
    is "$output" "<none>:<none> ${b:7:12}" "dangling=true: only the untagged image"
    rows '.Repository + ":" + .Tag' --filter dangling=false
    is "$output" "localhost/a:1" "dangling=false: only the tagged image"
    rows '.Repository + ":" + .Tag' -f dangling=1
    is "$output" "<none>:<none>" "dangling=1 is true (docker's GetBoolOrDefault)"
    run_cc 1 images --filter dangling=maybe
    is "$stderr" "Error: invalid filter 'dangling=maybe'" "a bad boolean"
    run_cc images
    assert_line_match "$output" "^<none> +<none> +${b:7:12} " "images shows dangling images by default"
    run_cc images -q --filter dangling=true
    run_cc rmi $output
    run_cc images -q
    is "$output" "${a:7:12}" "rmi \$(images -q -f dangling=true) removed the dangling one only"
}

@test "images --filter reference: path.Match on the familiar name, with and without tag; repeated ORs" {
    tiny_image localhost/web:1 w1
    tiny_image localhost/web:2 w2
    run_cc tag localhost/web:1 localhost/web:latest
    tiny_image localhost/db:1 d1
    run_cc tag localhost/db:1 busybox:glibc
    run_cc tag localhost/db:1 busybox:uclibc
    rows '.Repository + ":" + .Tag' --filter reference=localhost/web
    is "$(sort <<<"$output")" "$(printf '%s\n' localhost/web:1 localhost/web:2 localhost/web:latest)" "a name without tag"
    rows '.Repository + ":" + .Tag' --filter reference=localhost/web:2
    is "$output" "localhost/web:2" "a name with its tag"
    rows '.Repository + ":" + .Tag' --filter 'reference=localhost/*:1'
    is "$(sort <<<"$output")" "$(printf '%s\n' localhost/db:1 localhost/web:1)" "a glob with a tag"
    rows '.Repository + ":" + .Tag' --filter 'reference=busy*:*libc'
    is "$(sort <<<"$output")" "$(printf '%s\n' busybox:glibc busybox:uclibc)" "docker's example: the familiar name"
    rows '.Repository + ":" + .Tag' --filter 'reference=*'
    is "$(sort <<<"$output")" "$(printf '%s\n' busybox:glibc busybox:uclibc)" "* does not cross a /"
    rows '.Repository + ":" + .Tag' --filter 'reference=localhost/db' --filter 'reference=busybox:glibc'
    is "$(sort <<<"$output")" "$(printf '%s\n' busybox:glibc localhost/db:1)" "the same key repeated ORs"
    rows '.Repository + ":" + .Tag' --filter 'reference=nothing*'
    is "$output" "" "no match: no row"
    # images REPO[:TAG] keeps working, globs included, and a normalised name matches
    rows '.Repository + ":" + .Tag' localhost/web:latest
    is "$output" "localhost/web:latest" "images REPO:TAG"
    rows '.Repository + ":" + .Tag' docker.io/library/busybox:glibc
    is "$output" "busybox:glibc" "images with a normalised name"
    rows '.Repository + ":" + .Tag' 'busy*'
    is "$(sort <<<"$output")" "$(printf '%s\n' busybox:glibc busybox:uclibc)" "images PATTERN"
}

@test "images --filter label=KEY[=VALUE] from the image config; different keys AND" {
    tiny_image localhost/base:1 base
    labelled localhost/lab:1 localhost/base:1 'com.example.version=1.0' 'tier=web'
    labelled localhost/lab:2 localhost/base:1 'com.example.version=2.0'
    run_cc image inspect localhost/lab:1
    is "$(jq -c '.[0].Config.Labels' <<<"$output")" '{"com.example.version":"1.0","tier":"web"}' "the built image has labels"
    rows '.Repository + ":" + .Tag' --filter label=com.example.version
    is "$(sort <<<"$output")" "$(printf '%s\n' localhost/lab:1 localhost/lab:2)" "label=KEY"
    rows '.Repository + ":" + .Tag' --filter label=com.example.version=2.0
    is "$output" "localhost/lab:2" "label=KEY=VALUE"
    rows '.Repository + ":" + .Tag' --filter label=com.example.version=0.1
    is "$output" "" "label=KEY=VALUE without a match"
    rows '.Repository + ":" + .Tag' --filter label=com.example.version --filter label=tier=web
    is "$output" "localhost/lab:1" "label values all match (docker's MatchKVList)"
    rows '.Repository + ":" + .Tag' --filter label=com.example.version --filter reference='*/lab:2'
    is "$output" "localhost/lab:2" "label and reference AND"
    rows '.Repository + ":" + .Tag' --filter label=tier --filter dangling=false
    is "$output" "localhost/lab:1" "label and dangling AND"
}

@test "images --filter before=IMAGE, since=IMAGE" {
    tiny_image localhost/one:1 one
    sleep 1.1
    tiny_image localhost/two:1 two
    sleep 1.1
    tiny_image localhost/three:1 three
    rows '.Repository' --filter before=localhost/three:1
    is "$output" "localhost/two"$'\n'"localhost/one" "before: older ones, newest first"
    rows '.Repository' --filter since=localhost/one:1
    is "$output" "localhost/three"$'\n'"localhost/two" "since: newer ones"
    rows '.Repository' --filter since=localhost/one:1 --filter before=localhost/three:1
    is "$output" "localhost/two" "since and before AND"
    local id
    run_cc images -q localhost/two:1
    id=$output
    rows '.Repository' --filter before="$id"
    is "$output" "localhost/one" "before= an image ID"
    run_cc 1 images --filter before=localhost/nosuch:1
    assert_match "$stderr" "^Error: .*No such image" "before= an unknown image"
}

@test "images --filter: an unknown key is docker's error, exit 1; no '=' is a usage error" {
    run_cc 1 images --filter nope=1
    is "$stderr" "Error: invalid filter 'nope'" "unknown key"
    run_cc 125 images --filter nope
    is "$stderr" "Error: invalid argument \"nope\" for \"-f, --filter\" flag: bad format of filter (expected name=value)" \
        "no '='"
}

###############################################################################
# untag, image exists, rmi -a/-i, image prune --filter

@test "untag: named tags go, the image stays; without names every tag goes" {
    tiny_image localhost/myapp:1 app
    local id=$output
    run_cc tag localhost/myapp:1 localhost/other:1
    run_cc tag localhost/myapp:1 localhost/third:1
    run_cc untag localhost/myapp:1 localhost/other:1
    is "$output" "" "untag prints nothing"
    rows '.Repository + ":" + .Tag'
    is "$(sort <<<"$output")" "$(printf '%s\n' localhost/myapp:1 localhost/third:1)" "other:1 is gone"
    run_cc 1 untag localhost/myapp:1 localhost/nope:1
    is "$stderr" "Error: localhost/nope:1: tag not known" "a name the image does not have"
    run_cc untag "${id:7:12}"
    rows '.Repository + ":" + .Tag + " " + .ID'
    is "$output" "<none>:<none> ${id:7:12}" "without names: dangling, still there"
    run_cc 1 untag localhost/nosuch:1
    assert_match "$stderr" "No such image" "untag of an unknown image"
}

@test "image exists: 0 when present, 1 when not, no output" {
    tiny_image localhost/here:1 here
    local id=$output
    run_cc image exists localhost/here:1
    is "$output$stderr" "" "no output when present"
    run_cc image exists "${id:7:12}"
    run_cc image exists "$id"
    run_cc 1 image exists localhost/here:2
    is "$output$stderr" "" "no output when absent"
    run_cc 1 image exists localhost/gone:1
}

@test "rmi -a removes every image; rmi -i ignores missing ones" {
    tiny_image localhost/a:1 a
    tiny_image localhost/b:1 b
    run_cc tag localhost/a:1 localhost/a:2
    run_cc 1 rmi localhost/nope:1 localhost/b:1
    assert_contains "$stderr" "No such image: localhost/nope:1" "without -i a missing image is an error"
    run_cc 1 image exists localhost/b:1
    tiny_image localhost/b:1 b
    run_cc rmi -i localhost/nope:1 localhost/b:1
    is "$stderr" "" "-i: nothing said of a missing image"
    assert_contains "$output" "Untagged: localhost/b:1" "-i: the others are removed"
    run_cc 125 rmi -a localhost/a:1
    is "$stderr" "Error: when using the --all switch, you may not pass any images names or IDs" "-a with names"
    run_cc 125 rmi
    run_cc rmi -a
    assert_contains "$output" "Deleted: " "rmi -a deletes"
    run_cc images -q
    is "$output" "" "no image left (a tagged twice too)"
}

@test "image prune --filter until=DURATION|TIMESTAMP and label=" {
    tiny_image localhost/old:1 old
    local old=$output
    sleep 2.1
    tiny_image localhost/new:1 new
    local new=$output
    run_cc untag localhost/old:1
    run_cc untag localhost/new:1
    run_cc image prune -f --filter until=1h
    assert_not_contains "$output" "Deleted:" "until=1h: both are younger"
    run_cc image prune -f --filter until=2s
    is "$(grep '^Deleted:' <<<"$output")" "Deleted: $old" "until=2s: the older one only"
    run_cc image exists "$new"
    run_cc image prune -f --filter "until=$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)"
    is "$(grep '^Deleted:' <<<"$output")" "Deleted: $new" "until=RFC 3339 timestamp"
    run_cc 1 image prune -f --filter until=soon
    is "$stderr" 'Error: failed to parse value as time or duration: "soon"' "a bad until"
    run_cc 1 image prune -f --filter nope=1
    is "$stderr" "Error: invalid filter 'nope'" "unknown prune filter"

    tiny_image localhost/base:1 base
    labelled localhost/keep:1 localhost/base:1 'keep=yes'
    labelled localhost/drop:1 localhost/base:1 'keep=no'
    run_cc image prune -a -f --filter label=keep=no
    is "$(grep -c '^Deleted:' <<<"$output")" 1 "label=keep=no: one image"
    run_cc 1 image exists localhost/drop:1
    run_cc image exists localhost/keep:1
    run_cc image exists localhost/base:1
    run_cc image prune -a -f --filter 'label!=keep'
    run_cc image exists localhost/keep:1
    run_cc 1 image exists localhost/base:1
}
