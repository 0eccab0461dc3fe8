/** EDM2's mp_silu divides SiLU by 0.596, its standard deviation under a unit Gaussian input. */
export const MP_SILU_SCALE = 1 / 0.596;
