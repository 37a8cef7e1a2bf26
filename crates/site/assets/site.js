// The community site's one script. Every page works without it; it only adds:
// - quoting the part of a post the reader selected (the "Quote" link quotes the whole post
//   otherwise; the server quotes a part only if the post really has it);
// - drafts: what is typed in a post's box is kept in this browser until it is sent;
// - new replies: a topic's page says when replies arrived since it was shown (asked every
//   20 seconds while the page is in view, and when the reader comes back to it);
// - @mention completion: after "@" and two letters, the members whose handle or name starts so
//   (a list under the box: arrows, Enter or Tab to choose, Escape to close).
"use strict";
(function () {
  var selected = "";
  // A click on a link clears the selection: remember it when the button goes down.
  document.addEventListener("mousedown", function (event) {
    var link = event.target.closest && event.target.closest("a.quote-link");
    if (!link) return;
    var selection = window.getSelection && window.getSelection();
    var post = link.closest("li.post");
    var body = post && post.querySelector(".body");
    selected = "";
    if (selection && body && !selection.isCollapsed && body.contains(selection.anchorNode)) {
      selected = String(selection).trim().slice(0, 2000);
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.quote-link");
    if (!link || !selected) return;
    event.preventDefault();
    var url = new URL(link.href, window.location.href);
    url.searchParams.set("part", selected);
    window.location.href = url.toString();
  });

  var live = document.querySelector("[data-live-topic]");
  if (live && window.fetch) {
    var shown = parseInt(live.getAttribute("data-posts"), 10);
    var check = function () {
      if (document.visibilityState !== "visible") return;
      fetch(live.getAttribute("data-live-topic"), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (topic) {
          if (!topic || topic.posts <= shown) return;
          var n = topic.posts - shown;
          var text = live.getAttribute(n === 1 ? "data-one" : "data-other");
          live.querySelector("[data-count]").textContent = text.replace("{n}", String(n));
          live.querySelector("a").setAttribute("href", topic.href);
          live.hidden = false;
        })
        .catch(function () {});
    };
    window.setInterval(check, 20000);
    document.addEventListener("visibilitychange", check);
  }

  document.querySelectorAll("textarea[data-mentions]").forEach(function (area) {
    var url = area.getAttribute("data-mentions");
    var list = document.createElement("ul");
    list.className = "mention-list";
    list.id = (area.id || "body") + "-mentions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-controls", list.id);
    area.insertAdjacentElement("afterend", list);
    var items = [];
    var active = -1;
    var word = null;
    var asked = 0;
    function close() {
      list.hidden = true;
      list.textContent = "";
      items = [];
      active = -1;
      area.removeAttribute("aria-activedescendant");
    }
    function typed() {
      var before = area.value.slice(0, area.selectionStart);
      var found = before.match(/(^|[\s(])@([\p{L}\p{N}-]{2,30})$/u);
      return found ? { text: found[2], start: area.selectionStart - found[2].length - 1 } : null;
    }
    function mark() {
      Array.prototype.forEach.call(list.children, function (li, i) {
        li.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      if (active >= 0) area.setAttribute("aria-activedescendant", list.id + "-" + active);
    }
    function choose(i) {
      var chosen = items[i];
      if (!chosen || !word) return;
      var end = word.start + 1 + word.text.length;
      area.value = area.value.slice(0, word.start) + "@" + chosen.handle + " " + area.value.slice(end);
      var caret = word.start + chosen.handle.length + 2;
      area.setSelectionRange(caret, caret);
      close();
      area.focus();
      area.dispatchEvent(new Event("input"));
    }
    function show(found) {
      list.textContent = "";
      items = found;
      active = found.length ? 0 : -1;
      found.forEach(function (member, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        // Names are text, never markup.
        li.textContent = "@" + member.handle + " · " + member.name;
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(i);
        });
        list.appendChild(li);
      });
      list.hidden = !found.length;
      mark();
    }
    area.addEventListener("input", function () {
      word = typed();
      if (!word) {
        close();
        return;
      }
      var mine = ++asked;
      fetch(url + "?q=" + encodeURIComponent(word.text), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (found) { if (mine === asked) show(found); })
        .catch(close);
    });
    area.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : items.length - 1;
        active = (active + step) % items.length;
        mark();
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        close();
      }
    });
    area.addEventListener("blur", close);
  });

  var storage = null;
  try {
    storage = window.localStorage;
  } catch (error) {
    storage = null;
  }
  // Images: the composer's link sends the chosen file and puts its Markdown at the cursor
  // (without JavaScript the link opens the upload page, which gives the line to paste).
  document.querySelectorAll("a[data-upload]").forEach(function (link) {
    var form = link.closest("form");
    var area = form && form.querySelector("textarea[name=body]");
    var status = link.parentNode.querySelector(".image-status");
    if (!area) return;
    var input = document.createElement("input");
    input.type = "file";
    input.accept = "image/jpeg,image/png,image/webp";
    input.hidden = true;
    link.parentNode.appendChild(input);
    link.addEventListener("click", function (event) {
      event.preventDefault();
      input.click();
    });
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) return;
      var data = new FormData();
      data.append("_csrf", form.querySelector("input[name=_csrf]").value);
      data.append("image", file);
      status.className = "image-status";
      status.textContent = link.getAttribute("data-sending") || "…";
      fetch(link.getAttribute("data-upload"), {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          input.value = "";
          if (answer.error) {
            status.className = "image-status field-error";
            status.textContent = answer.error;
            return;
          }
          status.textContent = "";
          var at = area.selectionStart || area.value.length;
          var before = area.value.slice(0, at);
          var line = (before && !/\n$/.test(before) ? "\n" : "") + answer.markdown + "\n";
          area.value = before + line + area.value.slice(at);
          area.focus();
          area.selectionStart = area.selectionEnd = at + line.length;
          area.dispatchEvent(new Event("input"));
        })
        .catch(function () {
          status.className = "image-status field-error";
          status.textContent = link.getAttribute("data-failed") || "!";
        });
    });
  });
  if (!storage) return;
  var brand = document.querySelector("a.brand");
  var scope = "jardinier-draft:" + (brand ? brand.getAttribute("href") : "") + ":";
  document.querySelectorAll("textarea[data-draft]").forEach(function (area) {
    var key = scope + area.getAttribute("data-draft");
    if (!area.value.trim()) {
      var kept = storage.getItem(key);
      if (kept) area.value = kept;
    }
    var timer = null;
    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (area.value.trim()) storage.setItem(key, area.value);
        else storage.removeItem(key);
      }, 400);
    });
    if (area.form) {
      area.form.addEventListener("submit", function (event) {
        // Preview keeps the draft; sending the post forgets it.
        var by = event.submitter;
        if (!by || by.name !== "preview") storage.removeItem(key);
      });
    }
  });
})();
