// What the Samples screen should open with when another screen sends the user there.
export const samplesNav = $state({
  /** Observation to preselect as the host of a new sample (null: none). */
  hostId: null as string | null,
});
