/* Tells the school website that embeds this page how tall it is, so the snippet's
   iframe can fit it without a scroll bar. Without JavaScript the iframe keeps its
   fixed height. Only a number is sent. */
(function () {
  "use strict";
  var last = 0;
  function send() {
    var height = document.documentElement.scrollHeight;
    if (height !== last && window.parent !== window) {
      last = height;
      window.parent.postMessage({ eschoolEmbedHeight: height }, "*");
    }
  }
  window.addEventListener("load", send);
  window.addEventListener("resize", send);
})();
