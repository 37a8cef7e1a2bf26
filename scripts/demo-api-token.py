#!/usr/bin/env python3
"""Signs in to a running Jardinier demo as its community manager and prints a new personal API
token for the demo brand's workspace (Settings → API tokens), for scripts/api-review.

Usage: demo-api-token.py BASE_URL   (standard library only)
"""
import http.cookiejar
import re
import sys
import urllib.parse
import urllib.request

base = sys.argv[1].rstrip("/")
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def page(path, form=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    with opener.open(base + path, data=data) as response:
        return response.read().decode()


def csrf(html):
    return re.search(r'name="_csrf" value="([^"]+)"', html).group(1)


login = page("/login")
page("/login", {"email": "camille@pollen-agence.example", "password": "jardinier-demo",
                "next": "/", "_csrf": csrf(login)})
tokens = page("/w/brulerie-du-canal/settings/tokens")
created = page("/w/brulerie-du-canal/settings/tokens",
               {"name": "api-review", "_csrf": csrf(tokens)})
match = re.search(r"jdn_[0-9a-f]{64}", created)
if not match:
    sys.exit("no token in the answer: is the demo account still an owner or manager?")
print(match.group(0))
