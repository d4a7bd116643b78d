# Gigstage on Debian 12: the mediasoup worker is compiled against Debian's libraries at build time.
FROM node:24-bookworm
WORKDIR /app
ENV GIGSTAGE_CACHE_DIR=/opt/gigstage-cache
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN bash scripts/setup.sh --no-browser && rm -rf /var/lib/apt/lists/*
COPY . .
RUN npm run build
EXPOSE 3000 1935 40000-40001/udp 40000-40001/tcp
CMD ["npx", "tsx", "server/main.ts"]
