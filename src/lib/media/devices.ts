/** Capture from the creator's camera and microphone, with messages a person can act on. */

export type DeviceChoice = { cameraId?: string; microphoneId?: string; originalSound?: boolean };
export type DeviceLists = { cameras: MediaDeviceInfo[]; microphones: MediaDeviceInfo[] };

// Three simulcast layers need a 720p source; a 360p capture yields only two.
const VIDEO: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };

export function cameraConstraints(cameraId?: string): MediaTrackConstraints {
	return { ...VIDEO, ...(cameraId ? { deviceId: { exact: cameraId } } : {}) };
}

/** Music wants the room as it is; speech wants echo cancellation and noise suppression. */
export function microphoneConstraints(microphoneId?: string, originalSound = false): MediaTrackConstraints {
	const processing = !originalSound;
	return {
		...(microphoneId ? { deviceId: { exact: microphoneId } } : {}),
		echoCancellation: processing,
		noiseSuppression: processing,
		autoGainControl: processing,
		channelCount: { ideal: 2 }
	};
}

export async function listDevices(): Promise<DeviceLists> {
	const all = await navigator.mediaDevices.enumerateDevices();
	return {
		cameras: all.filter((d) => d.kind === 'videoinput' && d.deviceId),
		microphones: all.filter((d) => d.kind === 'audioinput' && d.deviceId)
	};
}

/** Opens one kind of device; null when the machine has none of that kind. */
export async function openDevice(kind: 'video' | 'audio', constraints: MediaTrackConstraints): Promise<MediaStreamTrack | null> {
	try {
		const stream = await navigator.mediaDevices.getUserMedia({ [kind]: constraints });
		return stream.getTracks()[0] ?? null;
	} catch (error) {
		if (error instanceof DOMException && (error.name === 'NotFoundError' || error.name === 'OverconstrainedError')) return null;
		throw error;
	}
}

export function describeMediaError(error: unknown): string {
	if (!(error instanceof DOMException)) return error instanceof Error ? error.message : String(error);
	switch (error.name) {
		case 'NotAllowedError':
		case 'SecurityError':
			return 'Access to your camera and microphone was blocked. Allow it from the icon in the address bar, then press "Try again".';
		case 'NotReadableError':
			return 'Your camera or microphone is busy in another app. Close that app, then press "Try again".';
		case 'NotFoundError':
			return 'No camera or microphone was found. Plug one in, then press "Try again".';
		default:
			return `Could not open your devices: ${error.message}`;
	}
}
