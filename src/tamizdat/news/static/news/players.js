// Click-to-load video players. The page ships only a card with the video's title; the host's
// privacy-enhanced player (see news/players.py) is loaded when the reader presses play, never
// before. Without JavaScript the card is a plain link to the video.
(function () {
  "use strict";
  document.querySelectorAll("[data-player]").forEach(function (card) {
    var button = card.querySelector("[data-play]");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var frame = document.createElement("iframe");
      frame.src = card.dataset.player;
      frame.title = card.querySelector(".external-media__title").textContent;
      frame.allow = "autoplay; fullscreen; picture-in-picture";
      frame.setAttribute("allowfullscreen", "");
      frame.referrerPolicy = "strict-origin";
      frame.className = "external-media__player";
      button.parentNode.replaceWith(frame);
      frame.focus();
    });
  });
})();
