// Progressive enhancement only: every form works without this file.
// Offers "use my location" where the browser can tell it.
(function () {
  var button = document.getElementById("locate");
  var lat = document.getElementById("lat");
  var lng = document.getElementById("lng");
  if (!button || !lat || !lng || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (p) {
      lat.value = p.coords.latitude.toFixed(6);
      lng.value = p.coords.longitude.toFixed(6);
    });
  });
})();
