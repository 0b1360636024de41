#!/bin/sh
# One HTTP/1.0 exchange on nc's stdin/stdout: the request's headers read
# (so closing does not reset the connection), then the page.
while IFS= read -r line; do
	line=${line%"$(printf '\r')"}
	[ -n "$line" ] || break
done
body=$(cat /srv/www/index.html 2>/dev/null || echo "no page")
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %s\r\n\r\n%s\n' "$((${#body} + 1))" "$body"
