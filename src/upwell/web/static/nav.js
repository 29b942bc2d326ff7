// Where the navigation scrolls sideways (narrow screens), bring the current page's link into
// view. Without it the row still works; it just starts at the first link.
(function () {
  var a = document.querySelector('header.top nav a[aria-current="page"]');
  var nav = a && a.closest("nav");
  if (nav && nav.scrollWidth > nav.clientWidth) {
    nav.scrollLeft = a.offsetLeft - (nav.clientWidth - a.offsetWidth) / 2;
  }
})();
