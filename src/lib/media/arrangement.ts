import type { ShowVideo } from './show-player.js';

/**
 * How a show's videos share the player: one fills it (`single`); a shared screen takes it with
 * cameras in a corner (`spotlight`); host and guests on stage share it equally (`grid`). The host's
 * pictures come first, then guests in the order they came on stage.
 */
export type Arrangement = { layout: 'single' | 'spotlight' | 'grid'; main: ShowVideo | undefined; others: ShowVideo[] };

export function arrangeVideos(videos: ShowVideo[]): Arrangement {
	const screen = videos.find((v) => v.source === 'screen');
	const cameras = videos.filter((v) => v !== screen).sort((a, b) => rank(a) - rank(b));
	if (screen) return { layout: cameras.length ? 'spotlight' : 'single', main: screen, others: cameras };
	const [main, ...others] = cameras;
	return { layout: others.length ? 'grid' : 'single', main, others };
}

const rank = (video: ShowVideo) => (video.participant.role === 'host' ? 0 : 1);
