// The contribution form with JavaScript: amounts follow the currency, a live total, and the
// proof of work (ALTCHA's scheme, solved here; no third-party script). Without this file the
// form still works as plain HTML.
(function () {
  "use strict";

  // The server's way (support/money.py): a whole amount without its minor unit ("$25"),
  // any other with all of it ("$10.30", never "$10.3"), in the page's language.
  function formatMoney(minor, currency, exponent) {
    var digits = minor % Math.pow(10, exponent) === 0 ? 0 : exponent;
    return new Intl.NumberFormat(document.documentElement.lang || "en", {
      style: "currency",
      currency: currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(minor / Math.pow(10, exponent));
  }

  function parseAmount(text, exponent) {
    var cleaned = String(text || "").replace(/[\s\u00a0\u202f$€£¥₽]/g, "").replace(",", ".");
    if (!/^\d{1,12}(\.\d{1,4})?$/.test(cleaned)) return null;
    var minor = Math.round(parseFloat(cleaned) * Math.pow(10, exponent));
    return isFinite(minor) ? minor : null;
  }

  function hex(buffer) {
    return Array.prototype.map
      .call(new Uint8Array(buffer), function (b) { return ("0" + b.toString(16)).slice(-2); })
      .join("");
  }

  // Find n with SHA-256(salt + n) == challenge, a thousand digests at a time.
  function solve(challenge) {
    var encoder = new TextEncoder();
    var batch = 1000;
    function from(start) {
      var digests = [];
      for (var n = start; n < start + batch && n <= challenge.maxNumber; n++) {
        digests.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge.salt + n)));
      }
      return Promise.all(digests).then(function (results) {
        for (var i = 0; i < results.length; i++) {
          if (hex(results[i]) === challenge.challenge) return start + i;
        }
        if (start + batch > challenge.maxNumber) return null;
        return from(start + batch);
      });
    }
    return from(0);
  }

  function proofOfWork(form) {
    if (!window.crypto || !crypto.subtle || !window.fetch) return Promise.resolve("");
    return fetch(form.dataset.challenge, { credentials: "omit", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (challenge) {
        return solve(challenge).then(function (number) {
          if (number === null) return "";
          return btoa(JSON.stringify({
            algorithm: challenge.algorithm,
            challenge: challenge.challenge,
            number: number,
            salt: challenge.salt,
            signature: challenge.signature,
          }));
        });
      })
      .catch(function () { return ""; });
  }

  function setUp(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    form.classList.add("js");
    var data = JSON.parse(form.dataset.contribution);
    var currencySelect = form.querySelector("select[name=currency]");
    var total = form.querySelector(".contribution__total");
    var altcha = form.querySelector("input[name=altcha]");
    var pending = null;

    function frequency() {
      var checked = form.querySelector("input[name=frequency]:checked");
      return checked ? checked.value : "once";
    }

    function options(freq) {
      return data.amounts[currencySelect.value + ":" + freq];
    }

    function rebuildAmounts() {
      form.querySelectorAll(".contribution__amounts").forEach(function (panel) {
        var freq = panel.dataset.frequency;
        var info = options(freq);
        if (!info) return;
        var radios = panel.querySelectorAll("input[type=radio]:not([value=other])");
        var labels = panel.querySelectorAll("input[type=radio]:not([value=other]) + label");
        radios.forEach(function (radio, i) {
          var suggestion = info.suggested[i];
          radio.disabled = !suggestion;
          radio.hidden = labels[i].hidden = !suggestion;
          radio.checked = false;
          if (!suggestion) return;
          radio.value = suggestion[0];
          labels[i].textContent = suggestion[1];
        });
        var fallback = panel.querySelector('input[value="' + info["default"] + '"]');
        var other = panel.querySelector("input[value=other]");
        if (!other.checked && fallback) fallback.checked = true;
        var minimum = panel.querySelector(".minimum");
        if (minimum) minimum.textContent = info.minimum;
      });
      update();
    }

    // A tab the shown currency has no amounts for, or a rail that cannot take the shown
    // choice, cannot be picked; a choice ruled out moves to the first one still open. Each
    // rail's limits are written beside it, so the reader knows why before Continue.
    function ruleOut() {
      var open = form.querySelectorAll("input[name=frequency]");
      open.forEach(function (radio) {
        radio.disabled = !options(radio.value);
        radio.nextElementSibling.hidden = radio.disabled;
      });
      var firstTab = form.querySelector("input[name=frequency]:not(:disabled)");
      if (!form.querySelector("input[name=frequency]:checked:not(:disabled)") && firstTab) {
        firstTab.checked = true;
      }
      var key = currencySelect.value + ":" + frequency();
      form.querySelectorAll("input[name=method]").forEach(function (radio) {
        radio.disabled = (data.methods[radio.value] || []).indexOf(key) === -1;
      });
      var firstMethod = form.querySelector("input[name=method]:not(:disabled)");
      if (!form.querySelector("input[name=method]:checked:not(:disabled)") && firstMethod) {
        firstMethod.checked = true;
      }
    }

    function chosenAmount(info) {
      var freq = frequency();
      var other = form.querySelector("input[name=other_" + freq + "]");
      if (other && other.value.trim()) return parseAmount(other.value, info.exponent);
      var radio = form.querySelector("input[name=amount_" + freq + "]:checked");
      if (!radio || radio.value === "other") return null;
      return parseInt(radio.value.split(":")[1], 10);
    }

    function update() {
      ruleOut();
      var info = options(frequency());
      if (!info) { total.hidden = true; return; }
      var amount = chosenAmount(info);
      if (amount === null || isNaN(amount)) { total.hidden = true; return; }
      if (form.querySelector("input[name=cover_fees]").checked) {
        amount += Math.ceil(amount * parseFloat(data.feePercent) / 100);
      }
      var text = formatMoney(amount, currencySelect.value, info.exponent);
      total.textContent = data.per[frequency()].replace("%(amount)s", text);
      total.hidden = false;
    }

    form.addEventListener("change", function (event) {
      if (event.target === currencySelect) rebuildAmounts();
      else update();
    });
    form.addEventListener("input", function (event) {
      if (event.target.name && event.target.name.indexOf("other_") === 0) {
        var other = form.querySelector("input[name=amount_" + event.target.name.slice(6) + "][value=other]");
        if (other && event.target.value.trim()) other.checked = true;
      }
      update();
    });
    // Enter on a tab or an amount would submit the form (the browser's implicit submission):
    // it selects, as Space does; only Continue submits.
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key !== "Enter" || target.type !== "radio") return;
      event.preventDefault();
      if (!target.checked) {
        target.checked = true;
        target.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    // Start the proof of work when the reader starts filling in the form, so it is usually
    // done by the time they press Continue.
    form.addEventListener("focusin", function () {
      if (!pending) pending = proofOfWork(form);
    });
    form.addEventListener("submit", function (event) {
      var method = form.querySelector("input[name=method]:checked");
      if (event.submitter && event.submitter.name === "action") return;
      if (!method || method.value === "bank" || altcha.value) return;
      event.preventDefault();
      var button = form.querySelector("button[type=submit]:not([name])");
      button.disabled = true;
      (pending || proofOfWork(form)).then(function (solution) {
        pending = null;
        altcha.value = solution;
        button.disabled = false;
        HTMLFormElement.prototype.submit.call(form);
      });
    });
    update();
  }

  document.querySelectorAll("form.contribution").forEach(setUp);
})();
