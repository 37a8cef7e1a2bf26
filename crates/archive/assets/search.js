// The static archive's search, offline: the index files add [id, title, category, text] per
// topic to window.JARDINIER_ARCHIVE; every word asked must begin a word of the topic (its title,
// category or text), case and accents aside.
(function () {
  "use strict";
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function words(text) {
    return fold(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  }
  var topics = window.JARDINIER_ARCHIVE || [];
  var folded = null;
  var form = document.getElementById("search-form");
  var input = document.getElementById("q");
  var list = document.getElementById("results");
  var count = document.getElementById("count");
  function run(query) {
    var wanted = words(query);
    list.textContent = "";
    if (!wanted.length) {
      count.textContent = "";
      return;
    }
    if (!folded) {
      folded = topics.map(function (t) {
        return " " + words(t[1] + " " + t[2] + " " + t[3]).join(" ");
      });
    }
    var found = [];
    topics.forEach(function (t, i) {
      var text = folded[i];
      if (wanted.every(function (w) { return text.indexOf(" " + w) !== -1; })) found.push(t);
    });
    var label = found.length === 0 ? count.dataset.none : found.length === 1 ? count.dataset.one : count.dataset.other;
    count.textContent = label.replace("{count}", found.length.toLocaleString(document.documentElement.lang));
    found.slice(0, 200).forEach(function (t) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "t/" + t[0] + ".html";
      a.textContent = t[1];
      var where = document.createElement("span");
      where.className = "muted";
      where.textContent = " · " + t[2];
      li.appendChild(a);
      li.appendChild(where);
      list.appendChild(li);
    });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run(input.value);
  });
  var asked = new URLSearchParams(window.location.search).get("q");
  if (asked) {
    input.value = asked;
    run(asked);
  }
})();
