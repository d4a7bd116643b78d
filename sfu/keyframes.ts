/**
 * How long a producer waits after asking its sender for a keyframe before it asks again. A crowd
 * joining at once (each new consumer wants a keyframe to start) then costs the creator's encoder
 * one keyframe per half second, not one per viewer; a joining viewer waits at most this much
 * longer for its first picture.
 */
export const KEY_FRAME_REQUEST_DELAY_MS = 500;
