// Jardinier's only script: small enhancements; every page works without it.
(function () {
  "use strict";
  var root = document.documentElement;

  // Theme: follows the system unless the person chose one; the choice stays in this browser.
  var saved = null;
  try { saved = localStorage.getItem("jardinier-theme"); } catch (e) { /* private mode */ }
  if (saved === "dark" || saved === "light") root.setAttribute("data-theme", saved);

  function currentTheme() {
    var explicit = root.getAttribute("data-theme");
    if (explicit) return explicit;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", currentTheme() === "dark" ? "true" : "false");
      button.addEventListener("click", function () {
        var next = currentTheme() === "dark" ? "light" : "dark";
        root.setAttribute("data-theme", next);
        try { localStorage.setItem("jardinier-theme", next); } catch (e) { /* ignore */ }
        button.setAttribute("aria-pressed", next === "dark" ? "true" : "false");
      });
    });

    // A saved reply goes where the cursor is in the reply, and what was typed stays; without
    // the script the button sends the form to a page that puts it after the text.
    document.querySelectorAll("button[data-saved-insert]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        var form = button.form;
        var box = form && form.querySelector("textarea[name=body]");
        var choice = form && form.querySelector("select[name=saved]");
        if (!box || !choice || !window.fetch) return;
        event.preventDefault();
        var start = box.selectionStart, end = box.selectionEnd;
        fetch(button.getAttribute("data-saved-insert") + encodeURIComponent(choice.value), {
          headers: { "Accept": "application/json" }, credentials: "same-origin"
        }).then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        }).then(function (reply) {
          box.focus();
          box.setRangeText(reply.text, start, end, "end");
          box.dispatchEvent(new Event("input", { bubbles: true }));
        }).catch(function () { form.requestSubmit(button); });
      });
    });

    // "Select every item on the page" for a bulk form: shown only where the script runs.
    document.querySelectorAll("input[data-check-all]").forEach(function (all) {
      var form = all.getAttribute("data-check-all");
      var label = all.closest("label");
      if (label) label.hidden = false;
      all.addEventListener("change", function () {
        document.querySelectorAll('input[name="id"][form="' + form + '"]').forEach(function (box) {
          box.checked = all.checked;
        });
      });
    });

    // The workspace switcher submits on change; its button is only for browsers without JS.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    document.querySelectorAll("[data-js-hide]").forEach(function (el) { el.hidden = true; });

    // The menu counts what needs the teammate (open alerts, conversations, posts to approve or
    // fix), refreshed every 30 seconds while the page is open.
    var nav = document.querySelector("nav[data-work]");
    if (nav && window.fetch) {
      var format = window.Intl ? new Intl.NumberFormat(root.lang || undefined) : null;
      var refresh = function () {
        fetch(nav.getAttribute("data-work"), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (work) {
            if (!work) return;
            nav.querySelectorAll("[data-nav-count]").forEach(function (badge) {
              var href = badge.getAttribute("data-nav-count");
              var n = 0;
              Object.keys(work.counts).forEach(function (section) {
                if (href.slice(-section.length - 1) === "/" + section) n = work.counts[section];
              });
              badge.hidden = n === 0;
              badge.textContent = format ? format.format(n) : String(n);
              badge.setAttribute("aria-label", nav.getAttribute("data-count-label").replace("{n}", badge.textContent));
            });
          })
          .catch(function () { /* offline: the counts wait for the next try */ });
      };
      refresh();
      window.setInterval(refresh, 30000);
    }

    // Destructive forms ask first.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });

    // Saved searches are checked as they are typed, against recent mentions.
    document.querySelectorAll("textarea[data-query-check]").forEach(function (area) {
      var status = document.getElementById("query-status");
      var preview = document.getElementById("query-preview");
      var timer = null;
      var sequence = 0;
      function check() {
        var mine = ++sequence;
        if (!area.value.trim()) return;
        fetch(area.getAttribute("data-query-check") + "?q=" + encodeURIComponent(area.value), { credentials: "same-origin" })
          .then(function (response) { return response.json(); })
          .then(function (result) {
            if (mine !== sequence) return; // a newer check is on its way
            status.textContent = result.message;
            status.className = result.valid ? "hint valid" : "field-error";
            area.setAttribute("aria-invalid", result.valid ? "false" : "true");
            preview.textContent = "";
            (result.preview || []).forEach(function (item) {
              var li = document.createElement("li");
              li.textContent = (item.author ? item.author + " — " : "") + item.text;
              preview.appendChild(li);
            });
          })
          .catch(function () { /* offline: the server checks again on save */ });
      }
      area.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(check, 250);
      });
      if (area.value.trim()) check();
    });

    // The composer: each channel's text (its own, or the common one of its language) is
    // counted as that network counts, live; the server checks again on save.
    document.querySelectorAll("form[data-composer]").forEach(function (form) {
      var endpoint = form.getAttribute("data-composer");
      var timers = {};
      var sequences = {};
      function effective(area) {
        if (area.value.trim()) return area.value;
        var common = form.querySelector("[data-common='" + area.getAttribute("data-lang") + "']");
        return common ? common.value : "";
      }
      function chosen(area) {
        var box = form.querySelector("[data-channel-choice='" + area.getAttribute("data-channel") + "']");
        return area.value.trim() !== "" || !box || box.checked;
      }
      function check(area) {
        var outputs = form.querySelectorAll("[data-count-for='" + area.id + "']");
        var text = effective(area);
        if (!text.trim() || !chosen(area)) {
          outputs.forEach(function (o) { o.textContent = "—"; o.className = "hint"; });
          return;
        }
        var mine = sequences[area.id] = (sequences[area.id] || 0) + 1;
        fetch(endpoint + "?kind=" + encodeURIComponent(area.getAttribute("data-kind")) +
              "&text=" + encodeURIComponent(text), { credentials: "same-origin" })
          .then(function (response) { return response.json(); })
          .then(function (result) {
            if (mine !== sequences[area.id]) return;
            outputs.forEach(function (o) {
              o.textContent = result.message;
              o.className = result.valid ? "hint valid" : "field-error";
            });
            area.setAttribute("aria-invalid", result.valid ? "false" : "true");
          })
          .catch(function () { /* offline: the server checks again on save */ });
      }
      function later(area) {
        clearTimeout(timers[area.id]);
        timers[area.id] = setTimeout(function () { check(area); }, 200);
      }
      var variants = form.querySelectorAll("textarea[data-kind]");
      variants.forEach(function (area) { area.addEventListener("input", function () { later(area); }); });
      form.querySelectorAll("[data-common]").forEach(function (common) {
        common.addEventListener("input", function () {
          variants.forEach(function (area) {
            if (area.getAttribute("data-lang") === common.getAttribute("data-common")) later(area);
          });
        });
      });
      form.querySelectorAll("[data-channel-choice]").forEach(function (box) {
        box.addEventListener("change", function () { variants.forEach(later); });
      });
    });

    // Hashtag suggestions: a click adds the tag to the text last written in (French first).
    var lastCommon = document.querySelector("[data-common]");
    document.querySelectorAll("[data-common]").forEach(function (area) {
      area.addEventListener("focus", function () { lastCommon = area; });
    });
    document.querySelectorAll("[data-insert-tag]").forEach(function (chip) {
      chip.addEventListener("click", function () {
        if (!lastCommon) return;
        var tag = chip.getAttribute("data-insert-tag");
        lastCommon.value = lastCommon.value.replace(/\s*$/, "") + (lastCommon.value.trim() ? " " : "") + tag;
        lastCommon.dispatchEvent(new Event("input"));
        lastCommon.focus();
      });
    });

    // Link cards: what the first linked page says about itself, as networks will show it.
    document.querySelectorAll("[data-link-card]").forEach(function (box) {
      var endpoint = box.getAttribute("data-link-card");
      var shown = null;
      var timer = null;
      function text() {
        if (box.hasAttribute("data-text")) return box.getAttribute("data-text");
        return Array.prototype.map.call(document.querySelectorAll("[data-common]"), function (a) { return a.value; }).join(" ");
      }
      function refresh() {
        var match = text().match(/https?:\/\/[^\s)]+/);
        var url = match ? match[0].replace(/[.,;:!?]+$/, "") : null;
        if (url === shown) return;
        shown = url;
        if (!url) { box.hidden = true; return; }
        fetch(endpoint + "?url=" + encodeURIComponent(url), { credentials: "same-origin" })
          .then(function (response) { return response.json(); })
          .then(function (card) {
            if (url !== shown) return;
            if (!card) { box.hidden = true; return; }
            box.textContent = "";
            var title = document.createElement("strong");
            title.textContent = card.title;
            var description = document.createElement("p");
            description.textContent = card.description;
            var site = document.createElement("span");
            site.className = "hint";
            site.textContent = new URL(url).host;
            box.appendChild(title); box.appendChild(description); box.appendChild(site);
            box.hidden = false;
          })
          .catch(function () { box.hidden = true; });
      }
      document.querySelectorAll("[data-common]").forEach(function (area) {
        area.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 600); });
      });
      refresh();
    });

    // A chosen file is read into the text area its input names (the form stays a plain form).
    document.querySelectorAll("input[type=file][data-file-into]").forEach(function (input) {
      input.addEventListener("change", function () {
        var target = document.getElementById(input.getAttribute("data-file-into"));
        var file = input.files && input.files[0];
        if (!target || !file) return;
        var reader = new FileReader();
        reader.onload = function () { target.value = reader.result; };
        reader.readAsText(file);
      });
    });

    // Keyboard shortcuts (inbox): a key clicks the element that declares it, j/k move between
    // the rows of a list, x ticks the row's check box. Never while typing in a field.
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-row-nav] tbody tr"));
    var current = -1;
    function focusRow(index) {
      if (!rows.length) return;
      current = Math.max(0, Math.min(rows.length - 1, index));
      rows.forEach(function (row, i) { row.classList.toggle("row-current", i === current); });
      var link = rows[current].querySelector("a");
      if (link) link.focus();
    }
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      var key = event.key;
      if (rows.length && (key === "j" || key === "k")) {
        focusRow(current + (key === "j" ? 1 : -1));
        event.preventDefault();
        return;
      }
      if (rows.length && key === "x" && current >= 0) {
        var box = rows[current].querySelector("input[type=checkbox]");
        if (box) box.checked = !box.checked;
        event.preventDefault();
        return;
      }
      var focusable = document.querySelector("[data-shortcut-focus='" + key + "']");
      if (focusable) { focusable.focus(); event.preventDefault(); return; }
      var action = document.querySelector("[data-shortcut='" + key + "']");
      if (action) { action.click(); event.preventDefault(); }
    });

    // Live inbox: server-sent events say when the list or the conversation changed, and who
    // else has the conversation open. The page refreshes itself unless the person is in the
    // middle of something (a ticked box, a note being written): then a notice offers it.
    document.querySelectorAll("[data-live]").forEach(function (notice) {
      if (!window.EventSource) return;
      var source = new EventSource(notice.getAttribute("data-live"));
      var busy = function () {
        var ticked = document.querySelector("input[type=checkbox]:checked");
        var typing = Array.prototype.some.call(document.querySelectorAll("textarea"), function (t) { return t.value.trim() !== ""; });
        var active = document.activeElement && /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
        return ticked || typing || active;
      };
      source.addEventListener("changed", function () {
        if (busy()) notice.hidden = false;
        else window.location.reload();
      });
      var viewers = document.querySelector("[data-live-viewers]");
      if (viewers) {
        source.addEventListener("viewers", function (event) {
          var names = [];
          try { names = JSON.parse(event.data); } catch (e) { names = []; }
          viewers.textContent = names.length ? viewers.getAttribute("data-template").replace("{names}", names.join(", ")) : "";
          viewers.hidden = names.length === 0;
        });
      }
      window.addEventListener("beforeunload", function () { source.close(); });
    });

    // The queue beside an open conversation follows the inbox: when it changes, the list
    // alone is drawn again (at most every five seconds), never what the person is writing.
    document.querySelectorAll("[data-live-list]").forEach(function (list) {
      if (!window.EventSource || !window.fetch || !window.DOMParser) return;
      var source = new EventSource(list.getAttribute("data-live-list"));
      var last = 0, pending = null;
      var refresh = function () {
        pending = null;
        last = Date.now();
        if (list.offsetParent === null) return; // hidden on narrower screens
        fetch(window.location.href, { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.text() : null; })
          .then(function (html) {
            if (!html) return;
            var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-live-list]");
            if (fresh) list.innerHTML = fresh.innerHTML;
          })
          .catch(function () { /* the next change tries again */ });
      };
      source.addEventListener("changed", function () {
        if (pending) return;
        pending = setTimeout(refresh, Math.max(0, 5000 - (Date.now() - last)));
      });
      window.addEventListener("beforeunload", function () { source.close(); });
    });

    // After a failed submit, focus the first field in error so keyboard and screen-reader
    // users land where the problem is.
    var invalid = document.querySelector("[aria-invalid='true']");
    if (invalid) invalid.focus();
  });
})();
