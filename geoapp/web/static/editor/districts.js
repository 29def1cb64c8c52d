/* Assigning a district without a mouse (WCAG 2.1.1): the districts listed beside the map
 * (templates/web/_map_features.html, filled by static/map_features.js); choosing one
 * outlines it on the map and opens a tooltip above it saying its population and community; the
 * target community is chosen in a labelled select kept in step with the community list,
 * and the assign button sends the same edit as a click with the click tool. */
(function (E) {
  "use strict";

  const { T, map, state, editable, $, assignToActive, paintDistrict, selectCommunity, districtText, flash } = E;

  const list = document.querySelector("[data-map-features]");
  const tooltip = L.tooltip({ permanent: true, direction: "top", className: "geoapp-tooltip chosen-district-tip" });

  /** Outline the district and open its tooltip (the map has already been moved to it). */
  function choose(code) {
    const before = state.chosen;
    state.chosen = code;
    if (before !== null) paintDistrict(before);
    paintDistrict(code);
    state.districts.get(code).layer.bringToFront();
    renderChosen();
  }

  /** The chosen district's line and tooltip, the target select, and the list's swatches. */
  function renderChosen() {
    const select = $("assign-target");
    const options = [...state.communities.values()].map((community) => new Option(community.name, community.id, false, community.id === state.active));
    if (state.active === null) options.unshift(new Option(T("（選んでください）"), "", true, true));
    select.replaceChildren(...options);
    const district = state.districts.get(state.chosen);
    const line = district ? districtText(district.props) : T("一覧から行政区を選んでください。");
    if ($("chosen-district").textContent !== line) $("chosen-district").textContent = line; // announced once
    select.disabled = !editable() || !state.communities.size;
    $("assign-button").disabled = select.disabled || !district;
    if (district) {
      const span = document.createElement("span");
      span.textContent = line;
      // Above the district's northern edge, so that its outline shows whole.
      tooltip.setLatLng([district.layer.getBounds().getNorth(), district.props.label[0]]).setContent(span);
      if (!map.hasLayer(tooltip)) tooltip.addTo(map);
    }
    map.fire("mapfeatureschange");
  }

  function assignChosen(event) {
    event.preventDefault();
    if (state.chosen === null || !editable()) return;
    if (state.active !== null && state.plan.assignments[state.chosen] === state.active) {
      flash(T("この行政区はすでにこのコミュニティに入っています"));
      return;
    }
    assignToActive(state.chosen);
  }

  list.addEventListener("map-feature", (event) => {
    event.preventDefault(); // a click on a district assigns it: choosing only selects it
    choose(event.detail.layer.feature.properties.code);
  });
  $("assign-target").addEventListener("change", (event) => selectCommunity(Number(event.target.value)));
  $("assign-form").addEventListener("submit", assignChosen);

  Object.assign(E, { renderChosen });
})(window.geoappEditor);
