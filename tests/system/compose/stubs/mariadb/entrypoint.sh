#!/bin/sh
set -e
pw=$(cat "$MYSQL_ROOT_PASSWORD_FILE")
[ -n "$pw" ] || { echo "no root password" >&2; exit 1; }
[ -f /var/lib/mysql/ibdata1 ] || echo "$MYSQL_DATABASE: blog post 1" > /var/lib/mysql/ibdata1
echo "mysqld ready for connections ($*)"
trap 'exit 0' TERM INT
nc -lk -p 3306 -e cat /var/lib/mysql/ibdata1 &
wait $!
