/*
 * Tamizdat static copies: what a copy's pages do in the reader's browser.
 *
 * - The notice shows when this copy was made and the newsroom's addresses, from copy-info.js
 *   (written by every export, so it also works from file://), then, when the copy is served
 *   over HTTP, refreshes the list from the same origin's mirrors.json: a page kept in a cache
 *   or an old copy still points to the addresses that work today.
 * - The search page searches the copy's Pagefind index (in parts, merged in the browser). From
 *   file://, where the index cannot load, the page keeps its note pointing to the archives.
 *
 * Nothing is sent anywhere; every failure is silent.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var root = script ? script.getAttribute("data-root") || "" : "";
  var mirrorsUrl = script ? script.getAttribute("data-mirrors") : null;
  var overHttp = window.location.protocol === "http:" || window.location.protocol === "https:";
  var info = window.tamizdatCopy || { made: null, addresses: [] };

  function fillList(urls) {
    document.querySelectorAll("[data-mirror-list]").forEach(function (list) {
      var wanted = list.getAttribute("data-mirror-list");
      while (list.firstChild) {
        list.removeChild(list.firstChild);
      }
      urls.forEach(function (entry) {
        if (wanted !== "all" && (entry.proto === "tor") !== (wanted === "tor")) {
          return;
        }
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = entry.url;
        link.rel = "nofollow";
        link.textContent = entry.url;
        item.appendChild(link);
        list.appendChild(item);
      });
      list.hidden = !list.firstChild;
    });
  }

  function showMade() {
    var made = document.querySelector("[data-mirror-made]");
    var date = info.made ? new Date(info.made) : null;
    if (!made || !date || isNaN(date.getTime())) {
      return;
    }
    var lang = document.documentElement.lang || "en";
    var text = new Intl.DateTimeFormat(lang, { dateStyle: "long" }).format(date);
    made.textContent = made.getAttribute("data-label") + " " + text + ".";
    made.hidden = false;
  }

  function refreshList() {
    if (!overHttp || !mirrorsUrl || !window.fetch) {
      return;
    }
    fetch(mirrorsUrl, { cache: "no-store", credentials: "omit" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (document) {
        var site = document && document.sites && document.sites[0];
        if (site && Array.isArray(site.available_alternatives)) {
          fillList(site.available_alternatives);
        }
      })
      .catch(function () {});
  }

  function setUpSearch() {
    var results = document.querySelector("[data-mirror-search-results]");
    var form = document.querySelector("form.search-form");
    if (!results || !form || !overHttp) {
      return;
    }
    var note = document.querySelector("[data-mirror-search-offline]");
    var input = form.querySelector("input[name=q]");
    var bundle = new URL(root + "pagefind/", document.baseURI);
    var language = document.documentElement.lang || "";
    var loading = null;

    // The index comes in parts (pagefind/parts.json lists each language's): the first is
    // loaded with Pagefind's script, the others merged into it. Results name the copy's files
    // from its top folder.
    function engine() {
      if (!loading) {
        loading = fetch(new URL("parts.json", bundle).href, { credentials: "omit" })
          .then(function (response) {
            return response.ok ? response.json() : Promise.reject(new Error(response.status));
          })
          .then(function (parts) {
            var names = parts[language] || [];
            if (!names.length) {
              return null;
            }
            var options = { baseUrl: new URL(root || "./", document.baseURI).pathname };
            return import(new URL(names[0] + "/pagefind.js", bundle).href).then(function (pagefind) {
              return pagefind
                .options(options)
                .then(function () {
                  return pagefind.init();
                })
                .then(function () {
                  return Promise.all(
                    names.slice(1).map(function (name) {
                      return pagefind.mergeIndex(new URL(name + "/", bundle).pathname, options);
                    })
                  );
                })
                .then(function () {
                  return pagefind;
                });
            });
          });
      }
      return loading;
    }

    function show(found) {
      while (results.firstChild) {
        results.removeChild(results.firstChild);
      }
      var summary = document.createElement("p");
      summary.className = "search-summary";
      summary.textContent = results.getAttribute("data-found-label") + " " + found.length;
      results.appendChild(summary);
      var list = document.createElement("ul");
      found.forEach(function (data) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        // Pagefind names results under the folder its bundle was loaded from.
        link.href = data.url;
        link.textContent = (data.meta && data.meta.title) || data.url;
        var excerpt = document.createElement("p");
        // The excerpt marks matches with <mark>; shown as plain text, never as HTML.
        excerpt.textContent = data.excerpt.replace(/<[^>]*>/g, "");
        item.appendChild(link);
        item.appendChild(excerpt);
        list.appendChild(item);
      });
      results.appendChild(list);
    }

    function run(query) {
      engine()
        .then(function (pagefind) {
          return pagefind ? pagefind.search(query) : { results: [] };
        })
        .then(function (search) {
          return Promise.all(
            search.results.slice(0, 30).map(function (result) {
              return result.data();
            })
          );
        })
        .then(show)
        .catch(function () {
          if (note) {
            note.hidden = false;
          }
        });
    }

    if (note) {
      note.hidden = true;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (input.value.trim()) {
        run(input.value.trim());
      }
    });
    var initial = new URLSearchParams(window.location.search).get("q");
    if (initial) {
      input.value = initial;
      run(initial);
    }
  }

  fillList(info.addresses || []);
  showMade();
  refreshList();
  setUpSearch();
})();
