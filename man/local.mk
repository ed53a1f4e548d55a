# man/: plinth(1), the CLI (checked against every command's --help by
# tests/man_pages.sh), and plinth(3), the API's map to the headers.
dist_man_MANS = man/plinth.1 man/plinth.3
if PORT_POSIX
TESTS += tests/man_pages.sh
endif
EXTRA_DIST += tests/man_pages.sh
