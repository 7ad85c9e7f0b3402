# mediapipe on debian:12-slim, for Kubernetes (docs/install.md, docs/scale-out.md).
# Build the .deb first, then the image from the repository root:
#   bash scripts/package-deb.sh          # .build-deb/mediapipe_<version>-1_<arch>.deb
#   docker build -t mediapipe .
# Not built in this project's CI (it has no Docker); the .deb it installs is tested there.
FROM debian:12-slim
COPY .build-deb/mediapipe_*.deb /tmp/
# apt-get installs the .deb's Depends (libvips and the rest) from Debian's archive; its
# postinst makes the system user "mediapipe".
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/mediapipe_*.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/mediapipe_*.deb
USER mediapipe
WORKDIR /work
# exec form: mediapipe is PID 1 and gets SIGTERM from `docker stop` / Kubernetes, which
# lets the images in flight finish (give it a grace period above --timeout).
ENTRYPOINT ["mediapipe"]
CMD ["--help"]
