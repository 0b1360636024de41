#!/bin/sh
# The blog backend: every request asks the database (db:3306) for its
# rows and answers them as HTTP.
if [ "$1" = serve ]; then
    # the request, to its empty line (what is left unread would make the
    # close a reset)
    cr=$(printf '\r')
    while IFS= read -r line; do
        [ -z "${line%"$cr"}" ] && break
    done
    rows=$(nc -w 2 db 3306 </dev/null)
    printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nbackend: %s\n' "$rows"
    exit 0
fi
exec nc -lk -p 8000 -e "$0" serve
