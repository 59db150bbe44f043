/*
 * Tamizdat campaigns: which support prompt a reader sees, decided in the reader's own browser.
 *
 * Reading pages are the same for everyone and cached; they carry the campaigns that may show
 * (markup hidden by default, rules in data- attributes). This script keeps the reader's state in
 * localStorage only, under one key ("tamizdat.prompts"), and sends nothing about the reader:
 *
 *   views           articles read in this browser (for "start after N article views")
 *   dismissed       {banner: time} until which "×" hides that placement (the dismissed
 *                   campaign's dismiss days after the press)
 *   snoozedUntil    time until which "Remind me later" hides every prompt
 *   supporterUntil  time until which the reader counts as a supporter (appeals say thank you)
 *   impressions     {"<campaign>:<placement>": {day: "YYYY-MM-DD", n: shown today}}
 *   variants        {"<campaign>": arm} the arm (A/B variant) this browser was given, kept
 *
 * Hooks for the reader-revenue pages, read when any page loads:
 *   data-supporter-until="<ISO 8601 date or date-time>" on any element (the template tag
 *     `{% supporter_mark until %}` renders one) sets supporterUntil to that moment; a later
 *     mark replaces an earlier one, so a cancelled plan can end it.
 *   data-supporter="once" | "month" | "year" on any element (the thank-you page has one) marks
 *     a supporter for 30 days after a one-time gift, or for one period of a plan (31 or 366
 *     days), renewed whenever a page with the mark is seen again.
 *
 * On the support page, "#campaign=<id>&variant=<arm>" in the address (the banner's link adds
 * it) fills the hidden campaign and variant fields of the contribution form, if they are empty.
 *
 * The funding goal's meters ("$6,420 of $10,000 raised this month") come with the cached page
 * and the moment of their figure; the current figure, at most a few minutes old, is read from
 * one first-party document that every cache shares (data-goal-url) and put in their place.
 *
 * Events (impression, click, dismiss, snooze, form_open, checkout) go to the first-party
 * counter endpoint as {campaign, variant, language, event}: no identifier, no cookie.
 */
(function () {
  "use strict";

  var DAY = 24 * 60 * 60 * 1000;
  var SUPPORTER_DAYS = { once: 30, month: 31, year: 366 };
  var KEY = "tamizdat.prompts";
  var script = document.currentScript;
  var config = {
    eventsUrl: script ? script.getAttribute("data-events-url") : null,
    goalUrl: script ? script.getAttribute("data-goal-url") : null,
    language: script ? script.getAttribute("data-language") : "",
    article: script ? script.hasAttribute("data-article") : false,
  };

  var storage = (function () {
    try {
      var probe = "tamizdat.probe";
      window.localStorage.setItem(probe, probe);
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null; // storage disabled: prompts follow their rules for this page only
    }
  })();
  var memory = null;

  function blank() {
    return { views: 0, dismissed: {}, snoozedUntil: 0, supporterUntil: 0, impressions: {}, variants: {} };
  }

  function load() {
    var state = blank();
    var saved = null;
    try {
      saved = storage ? JSON.parse(storage.getItem(KEY) || "null") : memory;
    } catch (error) {
      saved = null;
    }
    if (saved && typeof saved === "object") {
      Object.keys(state).forEach(function (name) {
        if (typeof saved[name] === typeof state[name] && saved[name] !== null) {
          state[name] = saved[name];
        }
      });
    }
    return state;
  }

  // Read, change and write back at once, so another open tab's changes are kept.
  function update(change) {
    var state = load();
    change(state);
    if (storage) {
      try {
        storage.setItem(KEY, JSON.stringify(state));
      } catch (error) {
        /* storage full or refused: nothing to do */
      }
    } else {
      memory = state;
    }
    return state;
  }

  function today(now) {
    var date = new Date(now);
    var month = String(date.getMonth() + 1).padStart(2, "0");
    var day = String(date.getDate()).padStart(2, "0");
    return date.getFullYear() + "-" + month + "-" + day;
  }

  function number(element, name) {
    var value = parseInt(element.getAttribute(name), 10);
    return isNaN(value) ? 0 : value;
  }

  function time(element, name) {
    var value = element.getAttribute(name);
    return value ? Date.parse(value) : NaN;
  }

  function send(campaign, arm, event) {
    if (!config.eventsUrl) {
      return;
    }
    var body = JSON.stringify({
      campaign: Number(campaign),
      variant: arm,
      language: config.language,
      event: event,
    });
    try {
      fetch(config.eventsUrl, {
        method: "POST",
        body: body,
        keepalive: true,
        credentials: "omit",
        headers: { "Content-Type": "text/plain" },
      }).catch(function () {});
    } catch (error) {
      if (navigator.sendBeacon) {
        navigator.sendBeacon(config.eventsUrl, body);
      }
    }
  }

  function show(element) {
    element.classList.add("is-shown");
  }

  function hide(element) {
    element.classList.remove("is-shown");
  }

  function rulesOf(campaign) {
    return {
      id: campaign.getAttribute("data-campaign"),
      starts: time(campaign, "data-starts"),
      ends: time(campaign, "data-ends"),
      afterViews: number(campaign, "data-after-views"),
      dailyCap: number(campaign, "data-daily-cap"),
      dismissDays: number(campaign, "data-dismiss-days"),
      snoozeDays: number(campaign, "data-snooze-days"),
    };
  }

  function shownToday(state, key, now) {
    var entry = state.impressions[key];
    return entry && entry.day === today(now) ? entry.n : 0;
  }

  // The arm this browser sees of a campaign: chosen at random once, then always the same.
  function armOf(campaign, rules) {
    var arms = Array.prototype.slice.call(campaign.querySelectorAll(":scope > .prompt-arm"));
    var keys = arms.map(function (arm) {
      return arm.getAttribute("data-arm");
    });
    var chosen = load().variants[rules.id];
    if (keys.indexOf(chosen) === -1) {
      var random = new Uint32Array(1);
      window.crypto.getRandomValues(random);
      chosen = keys[random[0] % keys.length];
      update(function (state) {
        state.variants[rules.id] = chosen;
      });
    }
    return arms[keys.indexOf(chosen)];
  }

  function pick(slot, name, state, now) {
    var campaigns = slot.querySelectorAll(":scope > .prompt-campaign");
    var viewsBefore = state.views - (config.article ? 1 : 0);
    for (var index = 0; index < campaigns.length; index += 1) {
      var rules = rulesOf(campaigns[index]);
      if (now < rules.starts || now >= rules.ends) {
        continue; // not yet, or no more (NaN compares false: no date, no limit)
      }
      if (now < (state.dismissed[name] || 0)) {
        return null; // "×" hides the placement, not just one campaign
      }
      if (viewsBefore < rules.afterViews) {
        continue;
      }
      if (rules.dailyCap && shownToday(state, rules.id + ":" + name, now) >= rules.dailyCap) {
        continue;
      }
      return { element: campaigns[index], rules: rules };
    }
    return null;
  }

  function countImpression(name, rules, arm) {
    update(function (state) {
      var key = rules.id + ":" + name;
      var now = Date.now();
      state.impressions[key] = { day: today(now), n: shownToday(state, key, now) + 1 };
    });
    send(rules.id, arm, "impression");
  }

  // The banner counts as seen when shown; the appeal once it has scrolled into view.
  function whenSeen(element, name, callback) {
    if (name === "banner" || !("IntersectionObserver" in window)) {
      callback();
      return;
    }
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        observer.disconnect();
        callback();
      }
    }, { threshold: 0.25 });
    observer.observe(element);
  }

  function snoozeEverything(rules, slot, campaign) {
    var until = Date.now() + rules.snoozeDays * DAY;
    update(function (state) {
      state.snoozedUntil = until;
    });
    document.querySelectorAll("dialog[open]").forEach(function (dialog) {
      dialog.close();
    });
    document.querySelectorAll("[data-prompt-slot]").forEach(function (other) {
      if (other !== slot) {
        hide(other);
      }
    });
    campaign.querySelectorAll(".prompt-arm").forEach(hide);
    var note = campaign.querySelector(":scope > [data-prompt-snoozed]");
    if (note) {
      show(note);
      note.focus();
    }
  }

  // After "×" the focus would fall back to <body>; it goes on to what Tab would reach next.
  function focusAfter(slot) {
    var controls = document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea");
    for (var i = 0; i < controls.length; i++) {
      var control = controls[i];
      var follows = slot.compareDocumentPosition(control) & Node.DOCUMENT_POSITION_FOLLOWING;
      if (follows && !slot.contains(control) && !control.disabled && control.offsetParent !== null) {
        control.focus();
        return;
      }
    }
  }

  function wire(slot, name, campaign, rules, arm) {
    var key = arm.getAttribute("data-arm");
    var formOpened = false;

    function formOpen() {
      if (!formOpened) {
        formOpened = true;
        send(rules.id, key, "form_open");
      }
    }

    arm.querySelectorAll("[data-prompt-action]").forEach(function (control) {
      var action = control.getAttribute("data-prompt-action");
      control.addEventListener("click", function (event) {
        if (action === "dismiss") {
          update(function (state) {
            // Until when, by the dismissed campaign's own rule: another campaign that
            // takes the placement later must not shorten or stretch it.
            state.dismissed[name] = Date.now() + rules.dismissDays * DAY;
          });
          send(rules.id, key, "dismiss");
          hide(slot);
          focusAfter(slot);
        } else if (action === "snooze") {
          send(rules.id, key, "snooze");
          snoozeEverything(rules, slot, campaign);
        } else if (action === "click") {
          send(rules.id, key, "click");
        } else if (action === "open") {
          var dialog = arm.querySelector("dialog");
          if (dialog && typeof dialog.showModal === "function") {
            event.preventDefault();
            send(rules.id, key, "click");
            formOpen();
            dialog.showModal();
          } else {
            send(rules.id, key, "click");
          }
        } else if (action === "close") {
          control.closest("dialog").close();
        }
      });
    });

    var opener = arm.querySelector("[data-prompt-action='open']");
    arm.querySelectorAll("dialog").forEach(function (dialog) {
      dialog.addEventListener("close", function () {
        if (opener && slot.classList.contains("is-shown") && opener.offsetParent !== null) {
          opener.focus();
        }
      });
    });

    arm.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("focusin", formOpen);
      form.addEventListener("submit", function () {
        send(rules.id, key, "checkout");
      });
    });
  }

  function setUp(slot, state, now) {
    var name = slot.getAttribute("data-prompt-slot");
    if (now < state.supporterUntil) {
      var thanks = slot.querySelector(":scope > [data-prompt-thanks]");
      if (thanks) {
        show(thanks);
        show(slot);
      }
      return;
    }
    if (now < state.snoozedUntil) {
      return;
    }
    var chosen = pick(slot, name, state, now);
    if (!chosen) {
      return;
    }
    var arm = armOf(chosen.element, chosen.rules);
    show(arm);
    show(chosen.element);
    show(slot);
    wire(slot, name, chosen.element, chosen.rules, arm);
    whenSeen(arm, name, function () {
      countImpression(name, chosen.rules, arm.getAttribute("data-arm"));
    });
  }

  // The banner's link to the support page names its campaign and arm in the fragment (which
  // keeps the page cacheable); the contribution form there records them with the gift.
  function carryAttribution() {
    var match = /^#campaign=(\d{1,9})&variant=([A-Za-z0-9_-]{1,20})$/.exec(window.location.hash);
    if (!match) {
      return;
    }
    document.querySelectorAll("form.contribution").forEach(function (form) {
      var campaign = form.querySelector("input[name=campaign]");
      var variant = form.querySelector("input[name=variant]");
      if (campaign && variant && !campaign.value) {
        campaign.value = match[1];
        variant.value = match[2];
      }
    });
  }

  function refreshGoal() {
    var meters = document.querySelectorAll("[data-goal-meter]");
    if (!meters.length || !config.goalUrl || !window.fetch) {
      return;
    }
    window
      .fetch(config.goalUrl, { credentials: "omit" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (figure) {
        if (!figure) {
          return;
        }
        var words = figure.words && figure.words[config.language];
        meters.forEach(function (meter) {
          if (figure.goal === null) {
            meter.hidden = true;
          } else if (words) {
            meter.querySelector(".goal-meter__text").textContent = words.figure;
            meter.querySelector(".goal-meter__as-of").textContent = words.as_of;
            var bar = meter.querySelector("meter");
            bar.max = figure.goal;
            bar.value = figure.value;
          }
        });
      })
      .catch(function () {
        // Offline, or the document is blocked: the page's own figure stays, with its date.
      });
  }

  function start() {
    var now = Date.now();
    var state = update(function (state) {
      document.querySelectorAll("[data-supporter]").forEach(function (mark) {
        var days = SUPPORTER_DAYS[mark.getAttribute("data-supporter")];
        if (days) {
          state.supporterUntil = Math.max(state.supporterUntil, now + days * DAY);
        }
      });
      document.querySelectorAll("[data-supporter-until]").forEach(function (mark) {
        var until = Date.parse(mark.getAttribute("data-supporter-until"));
        if (!isNaN(until)) {
          state.supporterUntil = until;
        }
      });
      if (config.article) {
        state.views += 1;
      }
      Object.keys(state.impressions).forEach(function (key) {
        if (state.impressions[key].day !== today(now)) {
          delete state.impressions[key];
        }
      });
    });
    document.querySelectorAll("[data-prompt-slot]").forEach(function (slot) {
      setUp(slot, state, now);
    });
  }

  // The banner floats over the foot of the window (prompts.css), so that showing, closing or
  // snoozing it moves nothing on the page; the page grows at its end by the banner's height,
  // so that the banner never hides the page's last lines.
  function keepRoomForBanner() {
    var banner = document.querySelector('[data-prompt-slot="banner"]');
    if (!banner || !("ResizeObserver" in window)) {
      return;
    }
    new ResizeObserver(function () {
      document.body.style.paddingBottom = banner.offsetHeight ? banner.offsetHeight + "px" : "";
    }).observe(banner);
  }

  start();
  keepRoomForBanner();
  carryAttribution();
  refreshGoal();
})();
