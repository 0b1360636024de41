/* Golden tests for lib/template: Go's text/template as docker's --format
 * uses it, and docker's table, json and template conventions (cc_format).
 *
 * The tables were checked against Go's own text/template (go1.19, with
 * docker/cli's functions and json, data decoded as JSON with integers as
 * int): where the result differs on purpose, a comment says why.  The
 * first cases are the examples of docker's "Format command and log output"
 * page and of docker inspect's reference. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "template/template.h"

/* 0: what docker inspect shows of a container; 1: values of every kind */
static const char *const docs[] = {
	"{\"Id\":\"4f6a1c2b9d8e\",\"Name\":\"/web_1\",\"Path\":\"sh\",\"Args\":[\"-c\",\"echo hi\"],\"Image\":\"nginx:1.25\",\"State\":{\"Pid\":4242,\"Running\":true,\"Status\":\"running\",\"ExitCode\":0},\"Config\":{\"Image\":\"nginx\",\"Labels\":{\"com.example\":\"yes\",\"b.label\":\"2\"},\"Env\":[\"PATH=/usr/bin\",\"LANG=C\"]},\"NetworkSettings\":{\"Networks\":{\"bridge\":{\"IPAddress\":\"172.17.0.2\"},\"backend\":{\"IPAddress\":\"10.0.0.2\"}},\"Ports\":{\"8787/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8787\"}],\"80/tcp\":null}},\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/srv/a<b>&c\",\"Destination\":\"/data\"}],\"LogPath\":\"/var/lib/ccontainer/x.log\",\"RestartCount\":0,\"Ratio\":1.5,\"Big\":1000000.0}",
	"{\"s\":\"str\",\"n\":null,\"a\":[1,\"x\",null],\"i\":5,\"f\":1.5,\"m\":{\"b\":2,\"a\":1},\"u\":\"héllo日本\",\"neg\":-255,\"e\":[],\"o\":{},\"z\":0,\"t\":true,\"fl\":[0.1,1e+21,123456.0,1234567.0,0.0001,1e-05,-2.5,3.0],\"w\":\"hello wORLD foo_bar x-y\"}",
};

struct golden {
	const char *tmpl;
	int doc;
	const char *want; /* the output (before the error, if any) */
	const char *err;  /* the exact message, or NULL */
};

static const struct golden golden[] = {
	{ "{{join .Args \" , \"}}", 0, "-c , echo hi", NULL },
	{ "{{json .Mounts}}", 0, "[{\"Type\":\"bind\",\"Source\":\"/srv/a<b>&c\",\"Destination\":\"/data\"}]", NULL }, /* an object keeps its key order (Go sorts a map's) */
	{ "{{lower .Name}}", 0, "/web_1", NULL },
	{ "{{split .Image \":\"}}", 0, "[nginx 1.25]", NULL },
	{ "{{title .Name}}", 0, "/Web_1", NULL },
	{ "{{upper .Name}}", 0, "/WEB_1", NULL },
	{ "{{println .Name}}", 0, "/web_1\n", NULL },
	{ "{{range .NetworkSettings.Networks}}{{println .IPAddress}}{{end}}", 0, "10.0.0.2\n172.17.0.2\n", NULL },
	{ "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", 0, "10.0.0.2172.17.0.2", NULL },
	{ "{{.State.Pid}}", 0, "4242", NULL },
	{ "{{index .Config.Labels \"com.example\"}}", 0, "yes", NULL },
	{ "{{(index (index .NetworkSettings.Ports \"8787/tcp\") 0).HostPort}}", 0, "8787", NULL },
	{ "{{range $p, $conf := .NetworkSettings.Ports}}{{if $conf}} {{$p}} -> {{(index $conf 0).HostPort}}{{end}}{{end}}", 0, " 8787/tcp -> 8787", NULL },
	{ "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}", 0, "b.label=2;com.example=yes;", NULL },
	{ "{{json .Config.Labels}}", 0, "{\"com.example\":\"yes\",\"b.label\":\"2\"}", NULL }, /* an object keeps its key order (Go sorts a map's) */
	{ "{{.LogPath}}", 0, "/var/lib/ccontainer/x.log", NULL },
	{ "{{.Config.Image}}", 0, "nginx", NULL },
	{ "{{pad .Image 2 3}}|", 0, "  nginx:1.25   |", NULL },
	{ "{{truncate .Id 5}}", 0, "4f6a1", NULL },
	{ "{{.State.Running}} {{.RestartCount}} {{.Ratio}} {{.Big}}", 0, "true 0 1.5 1e+06", NULL },
	{ "{{if .State.Running}}up{{else}}down{{end}}", 0, "up", NULL },
	{ "{{with .Config}}{{.Image}}{{end}}", 0, "nginx", NULL },
	{ "{{range .Config.Env}}{{.}};{{end}}", 0, "PATH=/usr/bin;LANG=C;", NULL },
	{ "{{index .NetworkSettings \"Ports\" \"8787/tcp\" 0 \"HostPort\"}}", 0, "8787", NULL },
	{ "{{.s}}|{{.i}}|{{.f}}|{{.t}}|{{.a}}|{{.m}}|{{.e}}|{{.o}}", 1, "str|5|1.5|true|[1 x <nil>]|map[a:1 b:2]|[]|map[]", NULL },
	{ "{{.n}}|{{.missing}}|{{print .n}}|{{print .missing}}|{{.missing.deeper}}", 1, "<no value>|<no value>|<nil>|<nil>|<no value>", NULL },
	{ "{{range .fl}}{{.}} {{end}}", 1, "0.1 1e+21 123456 1.234567e+06 0.0001 1e-05 -2.5 3 ", NULL },
	{ "{{.}}", 1, "map[a:[1 x <nil>] e:[] f:1.5 fl:[0.1 1e+21 123456 1.234567e+06 0.0001 1e-05 -2.5 3] i:5 m:map[a:1 b:2] n:<nil> neg:-255 o:map[] s:str t:true u:héllo日本 w:hello wORLD foo_bar x-y z:0]", NULL },
	{ "{{json .fl}}", 1, "[0.1,1e+21,123456,1234567,0.0001,0.00001,-2.5,3]", NULL },
	{ "{{json \"<&>\\u2028\\t\\u0001é\"}}", 1, "\"<&>\\u2028\\t\\u0001é\"", NULL },
	{ "{{json .n}} {{json .missing}} {{json 1.0}} {{json 1e-7}} {{json .o}} {{json .e}}", 1, "null null 1 1e-7 {} []", NULL },
	{ "{{- .s -}}  x  {{- .s}}", 1, "strxstr", NULL },
	{ "a  {{- /* comment */ -}}  b", 1, "ab", NULL },
	{ "{{/* a comment\nover lines */}}x", 1, "x", NULL },
	{ "{{.s -}}\n\\t  y", 1, "str\\t  y", NULL },
	{ "\n  {{- .s}}", 1, "str", NULL },
	{ "{{-3}} {{- 3}}", 1, "-33", NULL },
	{ "{{0x1F}} {{1_000}} {{0o17}} {{0b11}} {{1e3}} {{1.50}} {{'a'}} {{-0.0}} {{+5}}", 1, "31 1000 15 3 1000 1.5 97 -0 5", NULL },
	{ "{{\"\\u00e9\\x41\\101\\t|\"}}{{`raw\n`}}", 1, "éAA\t|raw\n", NULL },
	{ "{{true}} {{false}} {{\"s\"}}", 1, "true false s", NULL },
	{ "{{$x := 1}}{{$x = \"a\"}}{{$x}}", 1, "a", NULL },
	{ "{{$x := .m}}{{range $k, $v := $x}}{{$k}}{{$v}}{{$x.a}} {{end}}{{$.s}}", 1, "a11 b21 str", NULL },
	{ "{{with $y := .i}}{{$y}}{{end}} {{range $v := .m}}{{$v}}{{end}} {{$}}", 1, "5 12 map[a:[1 x <nil>] e:[] f:1.5 fl:[0.1 1e+21 123456 1.234567e+06 0.0001 1e-05 -2.5 3] i:5 m:map[a:1 b:2] n:<nil> neg:-255 o:map[] s:str t:true u:héllo日本 w:hello wORLD foo_bar x-y z:0]", NULL },
	{ "{{range $i, $e := .a}}{{$i}}:{{$e}} {{end}}", 1, "0:1 1:x 2:<no value> ", NULL },
	{ "{{if .n}}n{{else if .z}}z{{else if .i}}i{{else}}none{{end}}", 1, "i", NULL },
	{ "{{if and .s .i}}and{{end}} {{if or .n .missing}}or{{else}}nor{{end}} {{and 1 0 2}} {{or 0 \"\" \"z\"}} {{not .a}} {{not .e}}", 1, "and nor 0 z false true", NULL },
	{ "{{with .m}}{{.a}}{{else}}none{{end}} {{with .missing}}x{{else}}empty{{end}} {{with .o}}x{{else}}empty obj{{end}}", 1, "1 empty empty obj", NULL },
	{ "{{range .a}}[{{.}}]{{else}}empty{{end}} {{range .e}}x{{else}}empty{{end}} {{range .missing}}x{{else}}none{{end}}", 1, "[1][x][<no value>] empty none", NULL },
	{ "{{range $i, $e := .a}}{{if eq $i 1}}{{continue}}{{end}}{{$i}}{{end}}|{{range $i, $e := .a}}{{if eq $i 1}}{{break}}{{end}}{{$i}}{{end}}", 1, "02|0", NULL },
	{ "{{range $k, $v := .m}}{{range $.a}}{{$k}}{{end}}{{end}}", 1, "aaabbb", NULL },
	{ "{{if .i}}{{if .s}}{{range .a}}{{with .}}{{.}}{{end}}{{end}}{{end}}{{end}}", 1, "1x", NULL },
	{ "{{range 3}}{{.}}{{end}}", 1, "012", NULL }, /* Go 1.22 ranges over an integer; 1.19 did not */
	{ "{{.s | printf \"%s|%s\" \"x\"}}", 1, "x|str", NULL },
	{ "{{\"abc\" | len}} {{.a | len}} {{.m | len}} {{len .u}}", 1, "3 3 2 12", NULL },
	{ "{{.i | printf \"%d\" | printf \"%s-%s\" \"p\"}}", 1, "p-5", NULL },
	{ "{{(printf \"%d\" 12) | len}} {{(.m).a}} {{len (split \"a b c\" \" \")}}", 1, "2 1 3", NULL },
	{ "{{1 | and 0}} {{0 | or 1}}", 1, "0 1", NULL },
	{ "{{eq .s \"str\" \"x\"}} {{eq .i 1 2 5}} {{ne .s \"x\"}} {{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2.5}}", 1, "true true true true true true false", NULL },
	{ "{{eq .missing 1}} {{eq .missing .n}} {{eq .n .a}} {{lt \"a\" \"ab\"}}", 1, "false true false true", NULL },
	{ "{{index .m \"a\"}} {{index .m \"zz\"}} {{index .a 0}} {{index .s 1}}", 1, "1 <no value> 1 116", NULL },
	{ "{{slice .a 1}} {{slice .a 1 1}} {{slice .s 1}} {{slice .s 0 2}} {{slice .a 0 2 3}}", 1, "[x <nil>] [] tr st [1 x]", NULL },
	{ "{{print 1 2 \"a\" 3 .n}} {{print \"a\" \"b\"}} {{print 1.0 2.5 true nil}}", 1, "1 2a3 <nil> ab 1 2.5 true <nil>", NULL },
	{ "{{println 1 \"a\"}}", 1, "1 a\n", NULL },
	{ "{{printf \"%d|%s|%v|%5.2f|%-4d|%x|%q|%t\" .i .s .a .f .i .s .s true}}", 1, "5|str|[1 x <nil>]| 1.50|5   |737472|\"str\"|true", NULL },
	{ "{{printf \"%d %s\" .s}}|{{printf \"%d\" .i .s}}|{{printf \"%d\" .a}}", 1, "%!d(string=str) %!s(MISSING)|5%!(EXTRA string=str)|[1 %!d(string=x) <nil>]", NULL },
	{ "{{printf \"%5s|%-5s|%.2s|%x|%X|%q\" .u .u .u .u .u .u}}", 1, "héllo日本|héllo日本|hé|68c3a96c6c6fe697a5e69cac|68C3A96C6C6FE697A5E69CAC|\"héllo日本\"", NULL },
	{ "{{printf \"%x|%X|%o|%b|%c|%U|%q|%+d|% d|%#x|%#o|%08d|%-8d|%8.3d\" .neg .neg .neg .neg 65 65 65 5 5 255 8 -42 42 7}}", 1, "-ff|-FF|-377|-11111111|A|U+0041|'A'|+5| 5|0xff|010|-0000042|42      |     007", NULL },
	{ "{{printf \"%e|%E|%f|%.2f|%g|%G|%.3g|%8.2f|%-8.2f|%+.1e|%v|%.0f|%F\" 1234.5678 1234.5678 1234.5678 1234.5678 1234.5678 1e21 1234.5678 3.14159 3.14159 12345.0 1e21 2.5 1.0}}", 1, "1.234568e+03|1.234568E+03|1234.567800|1234.57|1234.5678|1E+21|1.23e+03|    3.14|3.14    |+1.2e+04|1e+21|2|1.000000", NULL },
	{ "{{printf \"%*d|%-*d|%.*f\" 5 1 5 1 2 3.14159}}", 1, "    1|1    |3.14", NULL },
	{ "{{printf \"%d%%|%\"}} {{printf \"%!\"}} {{printf \"%[1]d %[1]x %[3]d\" 5 6}}", 1, "%!d(MISSING)%|%!(NOVERB) %!!(MISSING) 5 5 %!d(BADINDEX)", NULL },
	{ "{{printf \"%5t|%-7v|%07.2f|%s\" true nil -3.5 nil}}", 1, " true|<nil>  |-003.50|%!s(<nil>)", NULL },
	{ "{{printf \"%T %T %T %T %T %T\" 1 1.5 \"s\" true .fl .}}", 1, "int float64 string bool []interface {} map[string]interface {}", NULL },
	{ "{{printf \"%05s|%.1q|%#q|%+q\" \"ab\" \"xyz\" \"a`b\" \"é\"}}", 1, "000ab|\"x\"|\"a`b\"|\"\\u00e9\"", NULL },
	{ "{{printf \"%6.2v|%10v|\" 3.14159 .a}}", 1, "   3.1|[         1          x <nil>]|", NULL },
	{ "{{printf \"%c|%c|%q|%U %#U\" 0x1F600 -1 0x7 0x1F600 0x1F600}}", 1, "😀|�|'\\a'|U+1F600 U+1F600 '😀'", NULL },
	{ "{{printf \"%10.4s|%-10d|%010d|%+.3d|%.0d|\" \"日本語です\" -5 -5 5 0}}", 1, "      日本語で|-5        |-000000005|+005||", NULL },
	{ "{{printf \"%v %v %v %e %g\" 1e6 1e-5 123456789.0 0.0 1e-10}}", 1, "1e+06 1e-05 1.23456789e+08 0.000000e+00 1e-10", NULL },
	{ "{{html \"<a href='x'>&\\\"\"}} {{js \"it's <b> & \\\"q\\\" =\\t\"}} {{urlquery \"a b&c=d/é\"}}", 1, "&lt;a href=&#39;x&#39;&gt;&amp;&#34; it\\'s \\u003Cb\\u003E \\u0026 \\\"q\\\" \\u003D\\u0009 a+b%26c%3Dd%2F%C3%A9", NULL },
	{ "{{split \"a,b,,c\" \",\"}} {{split \"\" \",\"}} {{split \"héllo\" \"\"}} {{len (split \"\" \"\")}}", 1, "[a b  c] [] [h é l l o] 0", NULL },
	{ "{{join (split \"a b c\" \" \") \"-\"}} {{join .a \",\"}} {{join .m \",\"}} {{join .missing \",\"}}", 1, "a-b-c 1,x,<nil> 1,2 ", NULL },
	{ "{{upper \"héllo wörld ß\"}} {{lower \"ÀÉÎ İ\"}} {{title \"élan vital\"}} {{title .w}}", 1, "HÉLLO WÖRLD ß àéî i Élan Vital Hello WORLD Foo_bar X-Y", NULL },
	{ "{{pad \"\" 3 3}}|{{pad \"x\" 0 2}}|{{truncate \"abc\" 3}}|{{truncate \"abc\" 10}}|{{truncate \"héllo\" 3}}", 1, "|x  |abc|abc|hé", NULL },
};

/* execution errors: what Go writes before the error, then the message */
static const struct golden exec_errors[] = {
	{ "{{range $p, $conf := .NetworkSettings.Ports}} {{$p}} -> {{(index $conf 0).HostPort}} {{end}}", 0, " 80/tcp -> ", "template: :1:59: executing \"\" at <index $conf 0>: error calling index: index of untyped nil" },
	{ "{{.Name.First}}", 0, "", "template: :1:7: executing \"\" at <.Name.First>: can't evaluate field First in type string" }, /* Go says "in type interface {}" for a map value */
	{ "{{.n.X}}", 1, "", "template: :1:4: executing \"\" at <.n.X>: nil pointer evaluating interface {}.X" },
	{ "{{with .s}}{{.X}}{{end}}", 1, "", "template: :1:13: executing \"\" at <.X>: can't evaluate field X in type string" },
	{ "line1\n{{.i}}\n  {{.s.Y}}", 1, "line1\n5\n  ", "template: :3:6: executing \"\" at <.s.Y>: can't evaluate field Y in type string" }, /* Go says "in type interface {}" for a map value */
	{ "{{index .i 1}}", 1, "", "template: :1:2: executing \"\" at <index .i 1>: error calling index: can't index item of type int" },
	{ "{{index .a 5}}", 1, "", "template: :1:2: executing \"\" at <index .a 5>: error calling index: index out of range: 5" },
	{ "{{index .m 1}}", 1, "", "template: :1:2: executing \"\" at <index .m 1>: error calling index: value has type int; should be string" },
	{ "{{index .a \"x\"}}", 1, "", "template: :1:2: executing \"\" at <index .a \"x\">: error calling index: cannot index slice/array with type string" },
	{ "{{index .missing 1}}", 1, "", "template: :1:2: executing \"\" at <index .missing 1>: error calling index: index of untyped nil" },
	{ "{{len .n}}", 1, "", "template: :1:2: executing \"\" at <len .n>: error calling len: len of nil pointer" },
	{ "{{len .i}}", 1, "", "template: :1:2: executing \"\" at <len .i>: error calling len: len of type int" },
	{ "{{lower .missing}}", 1, "", "template: :1:8: executing \"\" at <.missing>: invalid value; expected string" },
	{ "{{lower .n}}", 1, "", "template: :1:8: executing \"\" at <.n>: wrong type for value; expected string; got interface {}" },
	{ "{{lower .i}}", 1, "", "template: :1:8: executing \"\" at <.i>: wrong type for value; expected string; got int" },
	{ "{{lower 3}}", 1, "", "template: :1:8: executing \"\" at <3>: expected string; found 3" },
	{ "{{truncate .s \"3\"}}", 1, "", "template: :1:14: executing \"\" at <\"3\">: expected integer; found \"3\"" },
	{ "{{truncate .s .f}}", 1, "", "template: :1:14: executing \"\" at <.f>: wrong type for value; expected int; got float64" },
	{ "{{index}}", 1, "", "template: :1:2: executing \"\" at <index>: wrong number of args for index: want at least 1 got 0" },
	{ "{{lower .s .s}}", 1, "", "template: :1:2: executing \"\" at <lower>: wrong number of args for lower: want 1 got 2" },
	{ "{{.s 1}}", 1, "", "template: :1:2: executing \"\" at <.s>: s is not a method but has arguments" },
	{ "{{1 2}}", 1, "", "template: :1:2: executing \"\" at <1>: can't give argument to non-function 1" },
	{ "{{nil}}", 1, "", "template: :1:2: executing \"\" at <nil>: nil is not a command" },
	{ "{{range .i}}{{end}}", 1, "", NULL }, /* Go 1.22 ranges over an integer */
	{ "{{range .s}}{{end}}", 1, "", "template: :1:8: executing \"\" at <.s>: range can't iterate over str" },
	{ "{{eq .s 1}}", 1, "", "template: :1:2: executing \"\" at <eq .s 1>: error calling eq: incompatible types for comparison" },
	{ "{{eq .a .a}}", 1, "", "template: :1:2: executing \"\" at <eq .a .a>: error calling eq: non-comparable type []interface {}" }, /* Go prints the value oddly here */
	{ "{{lt true false}}", 1, "", "template: :1:2: executing \"\" at <lt true false>: error calling lt: invalid type for comparison" },
	{ "{{lt .missing 1}}", 1, "", "template: :1:2: executing \"\" at <lt .missing 1>: error calling lt: invalid type for comparison" },
	{ "{{eq .i 5.0}}", 1, "", "template: :1:2: executing \"\" at <eq .i 5.0>: error calling eq: incompatible types for comparison" },
	{ "{{eq}}", 1, "", "template: :1:2: executing \"\" at <eq>: wrong number of args for eq: want at least 1 got 0" },
	{ "{{ne 1}}", 1, "", "template: :1:2: executing \"\" at <ne>: wrong number of args for ne: want 2 got 1" },
	{ "{{slice .s 3 1}}", 1, "", "template: :1:2: executing \"\" at <slice .s 3 1>: error calling slice: invalid slice index: 3 > 1" },
	{ "{{slice .i 1}}", 1, "", "template: :1:2: executing \"\" at <slice .i 1>: error calling slice: can't slice item of type int" },
	{ "{{pad .s -1 0}}", 1, "", "template: :1:2: executing \"\" at <pad .s -1 0>: error calling pad: strings: negative Repeat count" },
	{ "{{truncate .s -1}}", 1, "", "template: :1:2: executing \"\" at <truncate .s -1>: error calling truncate: runtime error: slice bounds out of range [:-1]" },
	{ "{{join .s \",\"}}", 1, "", "template: :1:2: executing \"\" at <join .s \",\">: error calling join: expected slice, got string" },
	{ "{{$x = 1}}", 1, "", "template: :1:7: executing \"\" at <1>: undefined variable: $x" },
	{ "{{.s | .s}}", 1, "", "template: :1:7: executing \"\" at <.s>: s is not a method but has arguments" },
	{ "{{printf nil}}", 1, "", "template: :1:9: executing \"\" at <nil>: cannot assign nil to string" },
	{ "{{(nil).x}}", 1, "", "template: :1:3: executing \"\" at <nil>: nil is not a command" },
	{ "{{99999999999999999999}}", 1, "", "template: :1: integer overflow: \"99999999999999999999\"" },
	{ "{{range $i, $e := 3}}{{end}}", 1, "", "template: :1:8: executing \"\" at <$i, $e := 3>: can't use 3 to iterate over more than one variable" }, /* Go 1.22 ranges over an integer; 1.19 did not */
	{ "{{template}}", 1, "", "template: :1: {{template}} is not supported" }, /* no define, template, block */
	{ "ok {{.i}} then {{index .e 0}} never", 1, "ok 5 then ", "template: :1:17: executing \"\" at <index .e 0>: error calling index: index out of range: 0" }, /* Go: "reflect: slice index out of range" */
};

static const struct golden syntax_errors[] = {
	{ "{{.s}", 1, "", "template: :1: bad character U+007D '}'" },
	{ "{{.s } }", 1, "", "template: :1: unexpected \"}\" in operand" },
	{ "{{", 1, "", "template: :1: unclosed action" },
	{ "{{.s", 1, "", "template: :1: unclosed action" },
	{ "a{{end}}", 1, "", "template: :1: unexpected {{end}}" },
	{ "{{else}}", 1, "", "template: :1: unexpected {{else}}" },
	{ "{{if}}{{end}}", 1, "", "template: :1: missing value for if" },
	{ "{{if .s}}", 1, "", "template: :1: unexpected EOF" },
	{ "{{foo}}", 1, "", "template: :1: function \"foo\" not defined" },
	{ "{{$x}}", 1, "", "template: :1: undefined variable \"$x\"" },
	{ "{{\"abc}}", 1, "", "template: :1: unterminated quoted string" },
	{ "{{`abc}}", 1, "", "template: :1: unterminated raw quoted string" },
	{ "{{1x}}", 1, "", "template: :1: bad number syntax: \"1x\"" },
	{ "{{@}}", 1, "", "template: :1: unexpected \"@\" in command" },
	{ "{{.s | 1}}", 1, "", "template: :1: non executable command in pipeline stage 2" },
	{ "{{|}}", 1, "", "template: :1: unexpected \"|\" in command" },
	{ "{{()}}", 1, "", "template: :1: missing value for parenthesized pipeline" },
	{ "{{(.s}}", 1, "", "template: :1: unclosed left paren" },
	{ "{{.s)}}", 1, "", "template: :1: unexpected \")\" in command" },
	{ "{{/* x }}", 1, "", "template: :1: unclosed comment" },
	{ "{{/* x */ .s}}", 1, "", "template: :1: comment ends before closing delimiter" },
	{ "{{\"\\q\"}}", 1, "", "template: :1: invalid syntax" },
	{ "{{1.s}}", 1, "", "template: :1: bad number syntax: \"1.s\"" },
	{ "{{\"a\".s}}", 1, "", "template: :1: unexpected . after term \"\\\"a\\\"\"" },
	{ "{{range $i, $e, $f := .a}}{{end}}", 1, "", "template: :1: too many declarations in range" },
	{ "{{with $i, $e := .a}}{{end}}", 1, "", "template: :1: too many declarations in with" },
	{ "{{if 1}}{{else}}{{else}}{{end}}", 1, "", "template: :1: expected end; found {{else}}" },
	{ "{{break}}", 1, "", "template: :1: {{break}} outside {{range}}" },
	{ "{{range .a}}{{break 1}}{{end}}", 1, "", "template: :1: unexpected \"1\" in {{break}}" },
	{ "x\n{{ .s\n }} {{ end }}", 1, "", "template: :3: unexpected {{end}}" },
	{ "{{1__0}}", 1, "", "template: :1: illegal number syntax: \"1__0\"" },
	{ "{{$x := 1}}{{if true}}{{$y := 2}}{{end}}{{$y}}", 1, "", "template: :1: undefined variable \"$y\"" },
	{ "{{range $x, 1 := .a}}{{end}}", 1, "", "template: :1: range can only initialize variables" },
	{ "{{'ab'}}", 1, "", "template: :1: malformed character constant: 'ab'" },
	{ "{{define \"x\"}}a{{end}}", 1, "", "template: :1: {{define}} is not supported" }, /* no define, template, block */
	{ "{{.s\n", 1, "", "template: :2: unclosed action started at :1" },
};

static json_t *load(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
	if (j == NULL) {
		fprintf(stderr, "bad test JSON: %s\n", je.text);
		fail();
	}
	return j;
}

/* Run one case; false (after saying why) when it does not come out as it should. */
static bool run_case(const struct golden *g)
{
	json_t *data = load(docs[g->doc]);
	struct cc_template *t = NULL;
	cc_error *e = NULL;
	struct cc_strbuf out = { 0 };
	bool ok;
	cc_strbuf_add(&out, "", 0);
	if (cc_template_parse(g->tmpl, &t, &e) < 0) {
		ok = g->err && strcmp(e->msg, g->err) == 0 && g->want[0] == '\0' && e->kind == CC_ERR_INVALID;
	} else {
		int r = cc_template_exec(t, data, &out, &e);
		ok = strcmp(out.buf, g->want) == 0 && (r == 0) == (g->err == NULL) && (r == 0 || strcmp(e->msg, g->err) == 0);
	}
	if (!ok)
		fprintf(stderr, "template %s\n  got  '%s' %s\n  want '%s' %s\n", g->tmpl, out.buf ? out.buf : "",
			e ? e->msg : "(no error)", g->want, g->err ? g->err : "(no error)");
	if (e)
		ok = ok && strchr(e->msg, '\n') == NULL; /* one line */
	cc_error_free(e);
	cc_strbuf_release(&out);
	cc_template_free(t);
	json_decref(data);
	return ok;
}

static void run_table(const struct golden *table, size_t n)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += !run_case(&table[i]);
	assert_int_equal(bad, 0);
}

#define RUN_TABLE(t) run_table(t, sizeof(t) / sizeof((t)[0]))

static void test_golden(void **state)
{
	(void)state;
	RUN_TABLE(golden);
}

static void test_exec_errors(void **state)
{
	(void)state;
	RUN_TABLE(exec_errors);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	RUN_TABLE(syntax_errors);
}

/* The output of text run on data (NULL: nil), or "ERR: message". */
static char *run(const char *text, const char *data)
{
	struct cc_template *t = NULL;
	cc_error *e = NULL;
	struct cc_strbuf out = { 0 };
	json_t *d = data ? load(data) : NULL;
	cc_strbuf_add(&out, "", 0);
	if (cc_template_parse(text, &t, &e) == 0 && cc_template_exec(t, d, &out, &e) == 0) {
		cc_template_free(t);
		json_decref(d);
		return cc_strbuf_steal(&out);
	}
	char *msg = NULL;
	assert_true(asprintf(&msg, "ERR: %s", e->msg) > 0);
	cc_error_free(e);
	cc_strbuf_release(&out);
	cc_template_free(t);
	json_decref(d);
	return msg;
}

#define assert_run(text, data, want)                  \
	do {                                          \
		char *_got = run(text, data);         \
		assert_string_equal(_got, want);      \
		free(_got);                           \
	} while (0)

static void test_nil_data_and_appending(void **state)
{
	(void)state;
	assert_run("{{.}} {{.A.B}} {{$}} {{len .}}x", NULL,
		   "ERR: template: :1:23: executing \"\" at <len .>: error calling len: len of untyped nil");
	assert_run("{{.}} {{.A.B}} {{if .}}y{{else}}n{{end}}", NULL, "<no value> <no value> n");
	assert_run("{{.}}", "\"plain string\"", "plain string");
	assert_run("{{range .}}{{.}},{{end}}", "[1, 2.5, \"x\"]", "1,2.5,x,");

	/* exec appends, and keeps what was written before an error */
	struct cc_template *t = NULL;
	cc_error *e = NULL;
	struct cc_strbuf out = { 0 };
	assert_int_equal(cc_template_parse("[{{.}}]{{index . 9}}", &t, &e), 0);
	cc_strbuf_add(&out, "before ", 7);
	json_t *d = json_pack("[i]", 1);
	assert_true(cc_template_exec(t, d, &out, &e) < 0);
	assert_string_equal(out.buf, "before [[1]]");
	assert_int_equal(e->kind, CC_ERR_INVALID);
	cc_error_free(e);
	json_decref(d);
	cc_strbuf_release(&out);
	cc_template_free(t);
}

/* Option("missingkey=error"): a field a map lacks fails; index does not */
static void test_missingkey_error(void **state)
{
	(void)state;
	struct cc_template *t = NULL;
	cc_error *e = NULL;
	struct cc_strbuf out = { 0 };
	json_t *d = json_pack("{s:{s:i}}", "A", "B", 1);
	assert_int_equal(cc_template_parse("{{.A.B}} {{index .A \"C\"}} {{.A.C}}", &t, &e), 0);
	assert_int_equal(cc_template_exec(t, d, &out, &e), 0);
	assert_string_equal(out.buf, "1 <no value> <no value>");
	cc_strbuf_release(&out);
	cc_template_set_missingkey_error(t);
	assert_true(cc_template_exec(t, d, &out, &e) < 0);
	assert_string_equal(out.buf, "1 <no value> ");
	assert_string_equal(e->msg, "template: :1:30: executing \"\" at <.A.C>: map has no entry for key \"C\"");
	cc_error_free(e);
	e = NULL;
	cc_strbuf_release(&out);
	cc_template_free(t);

	/* a table's header row names the field, whatever the data has */
	struct cc_format *f = NULL;
	assert_int_equal(cc_format_open("table {{.Nosuch}}", NULL, NULL, &f, &e), 0);
	cc_format_missingkey_error(f);
	assert_true(cc_format_row(f, d, &e) < 0);
	assert_non_null(strstr(e->msg, "map has no entry for key \"Nosuch\""));
	cc_error_free(e);
	cc_format_free(f);
	json_decref(d);
}

/* methods on the data: docker's {{.Label "KEY"}} */
static void test_methods(void **state)
{
	(void)state;
	struct cc_template *t = NULL;
	cc_error *e = NULL;
	struct cc_strbuf out = { 0 };
	json_t *d = json_pack("{s:s}", "Labels", "a=1"), *m = json_pack("{s:{s:s}}", "Label", "a", "1");
	assert_int_equal(cc_template_parse("{{.Label \"a\"}}|{{.Label \"b\"}}|{{\"a\" | .Label}}|{{.Labels}}"
					   "|{{range $x := split .Labels \"=\"}}{{$x}}{{end}}",
					   &t, &e),
			 0);
	assert_int_equal(cc_template_exec_methods(t, d, m, NULL, &out, &e), 0);
	assert_string_equal(out.buf, "1||1|a=1|a1");
	cc_strbuf_release(&out);
	cc_template_free(t);
	/* only on the data itself, with one string */
	static const char *const bad[][2] = {
		{ "{{.Label}}", "wrong number of args for Label: want 1 got 0" },
		{ "{{.Label \"a\" \"b\"}}", "wrong number of args for Label: want 1 got 2" },
		{ "{{.Label 1}}", "expected string; found 1" },
		{ "{{with .Labels}}{{.Label \"a\"}}{{end}}", "can't evaluate field Label in type string" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cc_template_parse(bad[i][0], &t, &e), 0);
		assert_true(cc_template_exec_methods(t, d, m, NULL, &out, &e) < 0);
		if (strstr(e->msg, bad[i][1]) == NULL)
			fail_msg("%s: %s", bad[i][0], e->msg);
		cc_error_free(e);
		e = NULL;
		cc_strbuf_release(&out);
		cc_template_free(t);
	}
	json_decref(m);
	json_decref(d);
}

static void test_depth_limits(void **state)
{
	(void)state;
	struct cc_strbuf sb = { 0 };
	char *text, *msg;
	/* CC_TEMPLATE_MAX_DEPTH nested ifs parse, one more does not */
	for (int i = 0; i < CC_TEMPLATE_MAX_DEPTH; i++)
		cc_strbuf_add(&sb, "{{if 1}}", 8);
	cc_strbuf_add(&sb, "x", 1);
	for (int i = 0; i < CC_TEMPLATE_MAX_DEPTH; i++)
		cc_strbuf_add(&sb, "{{end}}", 7);
	text = cc_strbuf_steal(&sb);
	assert_run(text, NULL, "x");
	free(text);
	for (int i = 0; i <= CC_TEMPLATE_MAX_DEPTH; i++)
		cc_strbuf_add(&sb, "{{with .}}", 10);
	text = cc_strbuf_steal(&sb);
	msg = run(text, NULL);
	assert_string_equal(msg, "ERR: template: :1: template nests deeper than 100");
	free(msg);
	free(text);
	/* parentheses count too, else-if chains as well */
	for (int i = 0; i <= CC_TEMPLATE_MAX_DEPTH; i++)
		cc_strbuf_add(&sb, "(", 1);
	text = cc_strbuf_steal(&sb);
	free(run(text, NULL));
	cc_strbuf_add(&sb, "{{", 2);
	cc_strbuf_add(&sb, text, strlen(text));
	free(text);
	text = cc_strbuf_steal(&sb);
	msg = run(text, NULL);
	assert_string_equal(msg, "ERR: template: :1: template nests deeper than 100");
	free(msg);
	free(text);
	cc_strbuf_add(&sb, "{{if 0}}", 8);
	for (int i = 0; i <= CC_TEMPLATE_MAX_DEPTH; i++)
		cc_strbuf_add(&sb, "{{else if 0}}", 13);
	cc_strbuf_add(&sb, "{{end}}", 7);
	text = cc_strbuf_steal(&sb);
	msg = run(text, NULL);
	assert_string_equal(msg, "ERR: template: :1: template nests deeper than 100");
	free(msg);
	free(text);

	/* data nested deeper than CC_TEMPLATE_MAX_DATA_DEPTH: printed or as
	 * json, an error, not a stack overflow */
	json_t *deep = json_array(), *cur = deep;
	for (int i = 0; i < CC_TEMPLATE_MAX_DATA_DEPTH + 10; i++) {
		json_t *next = json_array();
		json_array_append_new(cur, next);
		cur = next;
	}
	const char *const texts[] = { "{{.}}", "{{json .}}", "{{print .}}", "{{printf \"%v\" .}}" };
	for (size_t i = 0; i < 4; i++) {
		struct cc_template *t = NULL;
		cc_error *e = NULL;
		assert_int_equal(cc_template_parse(texts[i], &t, &e), 0);
		assert_true(cc_template_exec(t, deep, &sb, &e) < 0);
		assert_non_null(strstr(e->msg, "value nests deeper than 512"));
		cc_error_free(e);
		cc_template_free(t);
		cc_strbuf_release(&sb);
	}
	json_decref(deep);
}

static void test_exec_limits(void **state)
{
	(void)state;
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "{{range 100000000}}{{end}}", "execution takes more than 10000 steps" },
		{ "{{range .}}{{range $}}{{range $}}{{end}}{{end}}{{end}}", "execution takes more than 10000 steps" },
		{ "{{range 1000}}{{pad \"x\" 100000 0}}{{end}}", "output larger than 1000000 bytes" },
		{ "{{printf \"%1000000d%1000000d\" 1 2}}", "output larger than 1000000 bytes" },
		{ "{{$x := pad \"x\" 900000 0}}{{print $x $x}}", "output larger than 1000000 bytes" },
		{ "{{pad \"x\" 2000000 0}}", "error calling pad: strings: Repeat output length overflow" },
		{ "{{$x := pad \"x\" 600000 0}}{{join (split (printf \"%s,%s\" $x $x) \",\") $x}}",
		  "output larger than 1000000 bytes" },
	};
	struct cc_template_limits lim = { .max_steps = 10000, .max_bytes = 1000000 };
	json_t *list = json_pack("[iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii]", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2,
				 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1,
				 2, 3, 4, 5, 6, 7, 8, 9);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cc_template *t = NULL;
		cc_error *e = NULL;
		struct cc_strbuf out = { 0 };
		assert_int_equal(cc_template_parse(cases[i].text, &t, &e), 0);
		assert_true(cc_template_exec_limited(t, list, &lim, &out, &e) < 0);
		if (strstr(e->msg, cases[i].err) == NULL)
			fail_msg("%s: %s", cases[i].text, e->msg);
		assert_true(out.len <= 2 * lim.max_bytes + 64);
		cc_error_free(e);
		cc_strbuf_release(&out);
		cc_template_free(t);
	}
	json_decref(list);
}

/* cc_format into a string, rows given as JSON text */
static char *format(const char *fmt, const char *def, const char *headers, const char *const *rows, cc_error **err)
{
	struct cc_format *f = NULL;
	json_t *h = headers ? load(headers) : NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int r = cc_format_open(fmt, def, h, &f, err);
	json_decref(h);
	for (size_t i = 0; r == 0 && rows && rows[i]; i++) {
		json_t *row = load(rows[i]);
		r = cc_format_row(f, row, err);
		json_decref(row);
	}
	if (r == 0)
		r = cc_format_flush(f, out, err);
	cc_format_free(f);
	fclose(out);
	if (r < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static const char *const ps_headers = "{\"ID\": \"CONTAINER ID\", \"Image\": \"IMAGE\", \"Names\": \"NAMES\"}";
static const char *const ps_rows[] = {
	"{\"ID\": \"abc\", \"Image\": \"nginx\", \"Names\": \"web\", \"State\": {\"Status\": \"up\"}}",
	"{\"ID\": \"0123456789abcdef\", \"Image\": \"日本語イメージ\", \"Names\": \"x…y\", \"State\": {\"Status\": \"\"}}",
	NULL,
};

static void test_format_table(void **state)
{
	(void)state;
	cc_error *e = NULL;
	/* widths in display columns: 日本語イメージ is 14 wide, "…" 1; the
	 * last column is not padded */
	char *got = format("table {{.ID}}\\t{{.Image}}\\t{{.Names}}", NULL, ps_headers, ps_rows, &e);
	assert_string_equal(got, "CONTAINER ID       IMAGE            NAMES\n"
				 "abc                nginx            web\n"
				 "0123456789abcdef   日本語イメージ   x…y\n");
	free(got);
	/* the default table for NULL, "" and "table"; a column narrower than 7
	 * is 10 wide (minwidth); no header entry: the field's name in upper case */
	const char *def = "table {{.Names}}\t{{.State.Status}}\t{{.ID}}";
	const char *want = "NAMES     STATUS    CONTAINER ID\n"
			   "web       up        abc\n"
			   "x…y                 0123456789abcdef\n";
	const char *const fmts[] = { NULL, "", "table" };
	for (size_t i = 0; i < 3; i++) {
		got = format(fmts[i], def, ps_headers, ps_rows, &e);
		assert_string_equal(got, want);
		free(got);
	}
	/* no rows: the header alone; functions leave a header as it is, pad does not */
	got = format("table {{upper .Names}}\t{{json .ID}}\t{{pad .Image 1 1}}|{{truncate .Names 2}}", NULL, ps_headers,
		     NULL, &e);
	assert_string_equal(got, "NAMES     CONTAINER ID    IMAGE |NAMES\n");
	free(got);
	/* "table" is a prefix; spaces around are trimmed; a cell with a
	 * control character shows it */
	const char *const ctl[] = { "{\"ID\": \"a\\u001b[31mb\", \"Names\": \"n\"}", NULL };
	got = format("table{{.ID}}\t{{.Names}}  ", NULL, ps_headers, ctl, &e);
	assert_string_equal(got, "CONTAINER ID   NAMES\n"
				 "a\\x1b[31mb     n\n");
	free(got);
	/* a line without tabs splits the columns into blocks aligned apart */
	const char *const rows[] = { "{\"A\": \"a\", \"B\": \"b\"}", "{\"A\": \"a-long-name\", \"B\": \"b\"}", NULL };
	got = format("table {{.A}}\t{{.B}}{{if eq .A \"a\"}}\nbreak{{end}}", NULL, NULL, rows, &e);
	assert_string_equal(got, "A         B\n"
				 "a         b\n"
				 "break\n"
				 "a-long-name   b\n");
	free(got);
	/* a header row that fails is cut short, not an error (docker's) */
	got = format("table {{.ID}}\t{{index .ID 99}}", NULL, ps_headers, NULL, &e);
	assert_string_equal(got, "CONTAINER ID   \n");
	free(got);
}

/* --noheading: the rows alone, aligned among themselves; docker's Ellipsis
 * and strconv.Quote for ps's COMMAND */
static void test_format_no_header_ellipsis_quote(void **state)
{
	(void)state;
	cc_error *e = NULL;
	struct cc_format *f = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_int_equal(cc_format_open("table {{.ID}}\\t{{.Image}}\\t{{.Names}}", NULL, NULL, &f, &e), 0);
	cc_format_no_header(f);
	for (size_t i = 0; ps_rows[i]; i++) {
		json_t *row = load(ps_rows[i]);
		assert_int_equal(cc_format_row(f, row, &e), 0);
		json_decref(row);
	}
	assert_int_equal(cc_format_flush(f, out, &e), 0);
	cc_format_free(f);
	fclose(out);
	assert_string_equal(buf, "abc                nginx            web\n"
				 "0123456789abcdef   日本語イメージ   x…y\n");
	free(buf);
	/* json and templates have no header anyway */
	char *got = format("{{.Names}}", NULL, ps_headers, ps_rows, &e);
	assert_string_equal(got, "web\nx…y\n");
	free(got);

	static const struct { const char *in; size_t max; const char *want; } el[] = {
		{ "sleep 1000", 20, "sleep 1000" },
		{ "abcdefghijklmnopqrst", 20, "abcdefghijklmnopqrst" },
		{ "abcdefghijklmnopqrstu", 20, "abcdefghijklmnopqrs…" },
		/* 19 runes and "…", é one column (docker's ps: "sh -c 'echo ééééééé…") */
		{ "sh -c 'echo ééééééééééé; sleep 100'", 20, "sh -c 'echo ééééééé…" },
		/* wide runes are 2: 18 columns then "…" when the next would pass 19 */
		{ "ab日本語日本語日本語日本語", 20, "ab日本語日本語日本…" },
		{ "日本語", 6, "日本語" },
		{ "日本語", 2, "日本語" }, /* docker finds no place to cut */
		{ "日本語", 1, "日" },
		{ "abc", 0, "" },
		{ "", 5, "" },
		{ "abcdef\xffghijkl", 5, "abcd…" },
		{ "ab\xff\xff" "cdef", 4, "ab\xef\xbf\xbd…" },
	};
	for (size_t i = 0; i < sizeof(el) / sizeof(el[0]); i++) {
		got = cc_ellipsis(el[i].in, el[i].max);
		assert_string_equal(got, el[i].want);
		free(got);
	}
	got = cc_go_quote("sh -c \"echo\té\\\x01\"");
	assert_string_equal(got, "\"sh -c \\\"echo\\té\\\\\\x01\\\"\"");
	free(got);
}

static void test_format_json_and_template(void **state)
{
	(void)state;
	cc_error *e = NULL;
	char *got = format("json", "table {{.ID}}", NULL, ps_rows, &e);
	assert_string_equal(got, "{\"ID\":\"abc\",\"Image\":\"nginx\",\"Names\":\"web\",\"State\":{\"Status\":\"up\"}}\n"
				 "{\"ID\":\"0123456789abcdef\",\"Image\":\"日本語イメージ\",\"Names\":\"x…y\","
				 "\"State\":{\"Status\":\"\"}}\n");
	free(got);
	got = format("{{json .}}", NULL, NULL, ps_rows + 1, &e);
	assert_string_equal(got, "{\"ID\":\"0123456789abcdef\",\"Image\":\"日本語イメージ\",\"Names\":\"x…y\","
				 "\"State\":{\"Status\":\"\"}}\n");
	free(got);
	/* a template: once a row, a newline after each, \t and \n made
	 * characters, no header, no alignment, no escaping */
	got = format("  {{.ID}}\\t{{.Names}}\\n--  ", NULL, ps_headers, ps_rows, &e);
	assert_string_equal(got, "abc\tweb\n--\n0123456789abcdef\tx…y\n--\n");
	free(got);

	assert_true(cc_format_is_json("json"));
	assert_true(cc_format_is_json("{{json .}}"));
	assert_true(cc_format_is_json(" {{ json . }} "));
	assert_false(cc_format_is_json("{{json .ID}}"));
	assert_false(cc_format_is_json("table"));
	assert_false(cc_format_is_json(NULL));
}

static void test_format_errors(void **state)
{
	(void)state;
	cc_error *e = NULL;
	assert_null(format("table {{.ID", NULL, NULL, NULL, &e));
	assert_string_equal(e->msg, "template parsing error: template: :1: unclosed action");
	assert_int_equal(e->kind, CC_ERR_INVALID);
	cc_error_clear(&e);
	assert_null(format(NULL, NULL, NULL, NULL, &e));
	cc_error_clear(&e);

	/* a row that fails: an error, and nothing of it is kept */
	struct cc_format *f = NULL;
	assert_int_equal(cc_format_open("{{.A}}{{index .B 1}}", NULL, NULL, &f, &e), 0);
	json_t *good = json_pack("{s:s, s:[i,i]}", "A", "a", "B", 1, 2), *bad = json_pack("{s:s}", "A", "x");
	assert_int_equal(cc_format_row(f, good, &e), 0);
	assert_true(cc_format_row(f, bad, &e) < 0);
	assert_string_equal(e->msg, "template parsing error: template: :1:8: executing \"\" at <index .B 1>: "
				    "error calling index: index of untyped nil");
	cc_error_clear(&e);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_int_equal(cc_format_flush(f, out, &e), 0);
	fclose(out);
	assert_string_equal(buf, "a2\n");
	free(buf);

	/* a write error is an errno: EPIPE for a reader that went away */
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	out = fdopen(fds[1], "w");
	assert_int_equal(cc_format_row(f, good, &e), 0);
	assert_int_equal(cc_format_flush(f, out, &e), -EPIPE);
	assert_int_equal(e->errnum, EPIPE);
	cc_error_clear(&e);
	fclose(out);
	signal(SIGPIPE, old);
	json_decref(good);
	json_decref(bad);
	cc_format_free(f);
}

static void test_text_width(void **state)
{
	(void)state;
	assert_int_equal(cc_text_width(NULL), 0);
	assert_int_equal(cc_text_width(""), 0);
	assert_int_equal(cc_text_width("abc"), 3);
	assert_int_equal(cc_text_width("…"), 1);
	assert_int_equal(cc_text_width("日本"), 4);
	assert_int_equal(cc_text_width("한글"), 4);
	assert_int_equal(cc_text_width("ｆｕｌｌ"), 8);
	assert_int_equal(cc_text_width("e\xcc\x81"), 1);   /* e + combining acute */
	assert_int_equal(cc_text_width("a\xe2\x80\x8b" "b"), 2); /* zero width space */
	assert_int_equal(cc_text_width("\xf0\x9f\x98\x80"), 2);   /* emoji */
	assert_int_equal(cc_text_width("\xff\xfe" "a"), 3);       /* not UTF-8: 1 a byte */
	assert_int_equal(cc_text_width("\xe6\x97"), 2);           /* cut short */
	assert_int_equal(cc_text_width("\x1b[0m"), 3);            /* ESC counts 0 */
	assert_int_equal(cc_text_width_n("日本", 3), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_exec_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_nil_data_and_appending),
		cmocka_unit_test(test_missingkey_error),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_depth_limits),
		cmocka_unit_test(test_exec_limits),
		cmocka_unit_test(test_format_table),
		cmocka_unit_test(test_format_no_header_ellipsis_quote),
		cmocka_unit_test(test_format_json_and_template),
		cmocka_unit_test(test_format_errors),
		cmocka_unit_test(test_text_width),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
