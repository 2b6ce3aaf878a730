"""Every string the app shows, in English and Simplified Chinese.

Static labels go to the browser through `gr.I18n`, which follows the browser's language. Text made
while handling a request (errors, progress, status) is translated here with `text()`, in the
language the browser asked for in its Accept-Language header.
"""
from __future__ import annotations

import gradio as gr

EN: dict[str, str] = {
    # header
    "title": "Time Reshaped",
    "subtitle": "NoGAN black-and-white image restoration",
    "intro": "Repair old black-and-white photos and films (scratches, dust, grain, fading, flicker), enlarge them, "
             "and bring them back in colour with DeOldify's NoGAN models. Compare before and after, then download "
             "the full-resolution result.",
    # shared controls
    "model": "Model",
    "model_info": "Artistic: bold, vivid colours. Stable: natural colours, best for portraits and landscapes. "
                  "Video: colours that stay steady from frame to frame. Lite: small and offline, simpler colours.",
    "render_factor": "Render factor",
    "render_factor_info": "The model colours a square of 16 × this many pixels. Higher gives richer colour on "
                          "sharp photos; lower is faster and suits faded or small ones.",
    "examples": "Examples",
    # photo tab
    "tab_photo": "Photo",
    "tab_one": "One photo",
    "tab_batch": "Several photos",
    "tab_compare": "Compare render factors",
    "photo_in": "Black-and-white photo: upload, drop or paste",
    "colorize": "Colorize",
    "before_after": "Before / after",
    "download_full": "Full-resolution result (PNG)",
    "photos_in": "Black-and-white photos",
    "colorize_all": "Colorize all",
    "restore": "Restore",
    "restore_all": "Restore all",
    "results": "Results",
    "download_zip": "All results (zip)",
    "factors": "Render factors to compare",
    "compare": "Compare",
    "compare_results": "Side by side: click one to use its render factor",
    "opt_colorize": "Colorize",
    "opt_colorize_info": "Untick to restore only: the result stays black and white.",
    "opt_repair": "Repair scratches and dust",
    "opt_repair_info": "Finds scratches, dust, cracks and stains and fills them in from their surroundings.",
    "opt_grain": "Reduce grain",
    "opt_grain_info": "Removes film grain and noise, as strongly as the photo needs.",
    "opt_contrast": "Restore contrast",
    "opt_contrast_info": "Undoes fading and colour casts, with a mild sharpening.",
    "opt_upscale": "Upscale",
    "opt_upscale_info": "Enlarges the result 2 or 4 times with a super-resolution model (slower).",
    "damage_found": "Damage found (in red)",
    # video tab
    "tab_video": "Video",
    "video_in": "Black-and-white video",
    "video_limits": "Up to {seconds} seconds, {megabytes} MB and {width}×{height} pixels per video; "
                    "the sound is kept.",
    "stabilization": "Colour stabilization",
    "stabilization_info": "Smooths colour changes between frames: 0 is off, 1 is the strongest "
                          "(fast motion may then leave colour trails).",
    "every_frame": "Colour every frame with the model",
    "every_frame_info": "Slower. Otherwise, on a CPU, the model colours every other frame and each frame "
                        "between takes its colours along the motion: about twice as fast.",
    "allow_truncated": "Colour what can be read of a damaged file",
    "allow_truncated_info": "Otherwise a video that ends early (a cut-off download or copy) is refused.",
    "video_colorize_info": "Untick to restore only: the film stays black and white (no model, faster).",
    "opt_dust": "Remove dust and scratches",
    "opt_dust_info": "Dust and dirt that sit on one frame, and line scratches that run down many frames.",
    "opt_flicker": "Reduce flicker",
    "opt_flicker_info": "Steadies brightness that pumps from frame to frame.",
    "film_grain_info": "Averages the grain away along the motion of neighbouring frames.",
    "colorize_video": "Colorize video",
    "restore_video": "Restore video",
    "cancel": "Cancel",
    "video_out": "Result",
    "download_video": "Download (MP4)",
    # status and progress, made while serving
    "status_ready": "Model **{model}** is loaded and ready.",
    "status_lazy": "Model **{model}** loads on first use.",
    "status_download": "Model **{model}** loads on first use ({size}, downloaded once).",
    "status_fallback": "Model **{model}** is unavailable offline; **Lite** is used instead.",
    "loading_model": "Loading model {model} (first use)…",
    "colorizing": "Colouring…",
    "restoring": "Restoring…",
    "loading_restorer": "Loading the restoration models (first use)…",
    "photo_n_of": "Photo {done} of {total}",
    "caption_factor": "Render factor {factor}",
    "reading_video": "Reading the video…",
    "frames": "frames",
    "time_left": "About {eta} left",
    "seconds": "{s} s",
    "minutes": "{m} min {s} s",
    "video_cancelled": "Video colouring cancelled.",
    "fallback_lite": "Model {model} cannot be downloaded here, so the offline Lite model is used instead; "
                     "its colours are simpler.",
    "skipped_file": "Skipped {name}: {reason}",
    "truncated_note": "This video ends early: {frames} of its {declared} frames could be read, and those were "
                      "coloured.",
    # errors
    "err_no_photo": "Please upload a photo first.",
    "err_no_photos": "Please upload one or more photos first.",
    "err_too_many": "Please upload at most {count} photos at once.",
    "err_no_factors": "Please pick at least one render factor to compare.",
    "err_no_video": "Please upload a video first.",
    "err_not_image": "This file is not a picture that can be read: it may be damaged, or not an image. "
                     "Please upload a JPEG, PNG, WebP, BMP or TIFF photo.",
    "err_image_too_large": "This picture is too large: at most {megapixels} megapixels. "
                           "Please upload a smaller copy.",
    "err_not_video": "This file is not a video that can be read: it may be damaged, or have no picture. "
                     "Please upload an MP4, MOV, WebM or AVI video.",
    "err_truncated": "This video ends early: only {frames} of its {declared} frames could be read (the file may "
                     "be cut off). Tick “Colour what can be read of a damaged file” to colour them anyway.",
    "err_video_too_large": "This video is over the limits: at most {seconds} seconds, {megabytes} MB and "
                           "{width}×{height} pixels. Please trim or shrink it.",
    "err_video_failed": "The video could not be converted. Please try another file or format.",
    "err_out_of_memory": "The server ran out of memory. Please try a lower render factor or a smaller file.",
    "err_weights": "Model {model} is not on this server and cannot be downloaded now. Please pick another "
                   "model, or ask whoever runs this app to download it.",
    "err_render_factor": "The render factor must be a whole number from {low} to {high}.",
    "err_upscale": "Upscale must be 1, 2 or 4.",
    "err_nothing_to_do": "Please choose something to do: colorize, or at least one restoration option.",
    "err_upscale_too_large": "Upscaling this photo ×{upscale} would make it larger than the limit of {megapixels} "
                             "megapixels. Please choose ×{smaller}, or upload a smaller photo.",
    "err_upscale_memory": "The server ran out of memory upscaling ×{upscale}. Please choose ×{smaller}, or upload "
                          "a smaller photo.",
    "err_restore_weights": "Restoration is not available on this server now: its models are missing. Please untick "
                           "the restoration options, or ask whoever runs this app to install them.",
    "err_other": "Something went wrong: {detail}",
    # --- colour hints (I2) ---
    "hints_title": "Fix colours by hand",
    "hints_intro": "Did the model get a colour wrong? After colouring, paint a few strokes or dots with the right "
                   "colour on the picture below (pick one of the brush's colours, or any colour with its picker; "
                   "undo and clear are in the editor), then press **Apply colours**. Each colour spreads over the "
                   "region it is painted on, up to its edges; the rest keeps the model's colours. Only the colour "
                   "counts, not its lightness, and grey takes colour away. A colour reference photo lends its "
                   "palette to the whole picture.",
    "hints_editor": "Paint colours on the result",
    "hints_reference": "Colour reference photo (optional)",
    "hints_strength": "Reference strength",
    "hints_strength_info": "How far the picture takes the reference's palette: 0 not at all, 1 fully.",
    "hints_apply": "Apply colours",
    "hints_err_colour_first": "Please colour the photo first, then paint colours on the result.",
    "hints_err_nothing": "Please paint some colours on the picture, or choose a colour reference photo, first.",
    "hints_err_size": "The hints picture is {hints} pixels but the picture it colours is {picture}; "
                      "they must be the same size.",
    "hints_err_opaque": "The hints picture must be a PNG with transparency: transparent where there is no hint, "
                        "coloured where there is one.",
    "hints_err_unreadable": "The hints picture cannot be read. Please send a PNG with transparency.",
    "hints_err_strength": "The reference strength must be a number from 0 to 1.",
    "hints_err_not_file": "Please send pictures as files (handle_file(...) in gradio_client), not as text.",
    "hints_err_model": "There is no model {model!r} here; the models are: {names}.",
}

ZH: dict[str, str] = {
    "title": "时光重塑",
    "subtitle": "基于NoGAN的黑白影像修复大师",
    "intro": "修复老旧的黑白照片和影片（划痕、灰尘、颗粒、褪色、闪烁），放大画面，并用 DeOldify 的 NoGAN 模型重新上色。"
             "对比处理前后，再下载全分辨率的结果。",
    "model": "模型",
    "model_info": "Artistic（艺术）：色彩大胆鲜明。Stable（稳定）：色彩自然，适合人像和风景。"
                  "Video（视频）：帧与帧之间色彩稳定。Lite（轻量）：小巧、可离线使用，色彩较简单。",
    "render_factor": "渲染因子",
    "render_factor_info": "模型先把画面缩放成边长为 16×该值 像素的正方形再上色。数值越高，清晰照片的色彩越丰富；"
                          "数值越低速度越快，适合褪色或尺寸较小的照片。",
    "examples": "示例",
    "tab_photo": "照片",
    "tab_one": "单张照片",
    "tab_batch": "批量照片",
    "tab_compare": "渲染因子对比",
    "photo_in": "黑白照片：上传、拖放或粘贴",
    "colorize": "上色",
    "before_after": "原图 / 结果",
    "download_full": "全分辨率结果（PNG）",
    "photos_in": "多张黑白照片",
    "colorize_all": "全部上色",
    "restore": "修复",
    "restore_all": "全部修复",
    "results": "结果",
    "download_zip": "全部结果（zip）",
    "factors": "要对比的渲染因子",
    "compare": "对比",
    "compare_results": "并排对比：点击一张即采用它的渲染因子",
    "opt_colorize": "上色",
    "opt_colorize_info": "取消勾选则只修复：结果仍为黑白。",
    "opt_repair": "修复划痕和污点",
    "opt_repair_info": "找出划痕、灰尘、裂纹和污渍，并用周围的画面填补。",
    "opt_grain": "减少颗粒噪点",
    "opt_grain_info": "按照片需要的强度去除胶片颗粒和噪点。",
    "opt_contrast": "恢复对比度",
    "opt_contrast_info": "消除褪色和偏色，并轻度锐化。",
    "opt_upscale": "放大",
    "opt_upscale_info": "用超分辨率模型把结果放大 2 倍或 4 倍（较慢）。",
    "damage_found": "检测到的损伤（红色标出）",
    "tab_video": "视频",
    "video_in": "黑白视频",
    "video_limits": "每段视频最长 {seconds} 秒，不超过 {megabytes} MB，分辨率不超过 {width}×{height}；保留原有声音。",
    "stabilization": "色彩稳定",
    "stabilization_info": "平滑帧与帧之间的色彩变化：0 为关闭，1 为最强（快速运动时可能留下色彩拖影）。",
    "every_frame": "每一帧都用模型上色",
    "every_frame_info": "更慢。否则在 CPU 上模型只给每隔一帧上色，其间的帧沿着运动借用它的颜色：速度约快一倍。",
    "allow_truncated": "为受损文件中能读取的部分上色",
    "allow_truncated_info": "否则会拒绝提前结束的视频（例如下载或复制不完整的文件）。",
    "video_colorize_info": "取消勾选则只修复：影片仍为黑白（不用模型，更快）。",
    "opt_dust": "去除灰尘和划痕",
    "opt_dust_info": "只出现在单帧上的灰尘污物，以及贯穿多帧的竖直划痕。",
    "opt_flicker": "减少闪烁",
    "opt_flicker_info": "稳定逐帧忽明忽暗的亮度。",
    "film_grain_info": "沿着相邻帧的运动把颗粒平均掉。",
    "colorize_video": "视频上色",
    "restore_video": "修复视频",
    "cancel": "取消",
    "video_out": "结果",
    "download_video": "下载（MP4）",
    "status_ready": "模型 **{model}** 已加载，可以使用。",
    "status_lazy": "模型 **{model}** 将在首次使用时加载。",
    "status_download": "模型 **{model}** 将在首次使用时加载（{size}，只需下载一次）。",
    "status_fallback": "模型 **{model}** 离线不可用，已改用 **Lite**。",
    "loading_model": "正在加载模型 {model}（首次使用）…",
    "colorizing": "正在上色…",
    "restoring": "正在修复…",
    "loading_restorer": "正在加载修复模型（首次使用）…",
    "photo_n_of": "第 {done} 张，共 {total} 张",
    "caption_factor": "渲染因子 {factor}",
    "reading_video": "正在读取视频…",
    "frames": "帧",
    "time_left": "约剩 {eta}",
    "seconds": "{s} 秒",
    "minutes": "{m} 分 {s} 秒",
    "video_cancelled": "已取消视频上色。",
    "fallback_lite": "无法在此下载模型 {model}，已改用离线的 Lite 模型，色彩会简单一些。",
    "skipped_file": "已跳过 {name}：{reason}",
    "truncated_note": "这段视频提前结束：{declared} 帧中能读取 {frames} 帧，已为这些帧上色。",
    "err_no_photo": "请先上传一张照片。",
    "err_no_photos": "请先上传一张或多张照片。",
    "err_too_many": "一次最多上传 {count} 张照片。",
    "err_no_factors": "请至少选择一个要对比的渲染因子。",
    "err_no_video": "请先上传一段视频。",
    "err_not_image": "无法读取这个文件：它可能已损坏，或者不是图片。请上传 JPEG、PNG、WebP、BMP 或 TIFF 格式的照片。",
    "err_image_too_large": "这张图片太大了：最多 {megapixels} 百万像素。请上传尺寸较小的版本。",
    "err_not_video": "无法读取这个文件：它可能已损坏，或者没有画面。请上传 MP4、MOV、WebM 或 AVI 格式的视频。",
    "err_truncated": "这段视频提前结束：{declared} 帧中只能读取 {frames} 帧（文件可能不完整）。"
                     "勾选“为受损文件中能读取的部分上色”即可为这些帧上色。",
    "err_video_too_large": "这段视频超出了限制：最长 {seconds} 秒，不超过 {megabytes} MB，分辨率不超过 "
                           "{width}×{height}。请剪短或缩小后再试。",
    "err_video_failed": "无法转换这段视频。请换一个文件或格式再试。",
    "err_out_of_memory": "服务器内存不足。请调低渲染因子，或换一个较小的文件。",
    "err_weights": "本服务器上没有模型 {model}，目前也无法下载。请选择其他模型，或请本应用的管理者先下载它。",
    "err_render_factor": "渲染因子必须是 {low} 到 {high} 之间的整数。",
    "err_upscale": "放大倍数必须是 1、2 或 4。",
    "err_nothing_to_do": "请选择要做的事：上色，或至少一个修复选项。",
    "err_upscale_too_large": "把这张照片放大 {upscale} 倍会超过 {megapixels} 百万像素的上限。请选择 ×{smaller}，"
                             "或上传尺寸较小的照片。",
    "err_upscale_memory": "服务器在放大 {upscale} 倍时内存不足。请选择 ×{smaller}，或上传尺寸较小的照片。",
    "err_restore_weights": "此服务器目前无法修复：缺少修复模型。请取消勾选修复选项，或请本应用的管理者安装它们。",
    "err_other": "出错了：{detail}",
    # --- colour hints (I2) ---
    "hints_title": "手动修正颜色",
    "hints_intro": "模型把某处颜色上错了？上色之后，在下方的画面上用正确的颜色画几笔或点几下（可选画笔自带的颜色，"
                   "也可用取色器选任意颜色；编辑器里可撤销和清除），再点击 **应用颜色**。每种颜色会铺满所画的区域，"
                   "止于边缘；其余部分保留模型的颜色。只看颜色本身，不看明暗；灰色会去掉颜色。"
                   "也可以选一张彩色参考照片，让整张画面借用它的色调。",
    "hints_editor": "在结果上涂色",
    "hints_reference": "彩色参考照片（可选）",
    "hints_strength": "参考强度",
    "hints_strength_info": "画面向参考照片色调靠拢的程度：0 为不变，1 为完全采用。",
    "hints_apply": "应用颜色",
    "hints_err_colour_first": "请先为照片上色，再在结果上涂色。",
    "hints_err_nothing": "请先在画面上涂一些颜色，或选择一张彩色参考照片。",
    "hints_err_size": "颜色提示图为 {hints} 像素，而要上色的图片为 {picture} 像素；两者尺寸必须相同。",
    "hints_err_opaque": "颜色提示图必须是带透明通道的 PNG：没有提示的地方透明，有提示的地方涂上颜色。",
    "hints_err_unreadable": "无法读取颜色提示图。请发送带透明通道的 PNG。",
    "hints_err_strength": "参考强度必须是 0 到 1 之间的数。",
    "hints_err_not_file": "请以文件形式发送图片（gradio_client 中用 handle_file(...)），而不是文本。",
    "hints_err_model": "这里没有模型 {model!r}；可用的模型有：{names}。",
}

TRANSLATIONS: dict[str, dict[str, str]] = {"en": EN, "zh": ZH}  # "zh" also serves zh-CN, zh-TW, ...
DEFAULT_LANGUAGE = "en"


def language_of(accept_language: str | None) -> str:
    """The first language of an Accept-Language header that we have ("zh-CN,zh;q=0.9" -> "zh")."""
    for item in (accept_language or "").split(","):
        primary = item.split(";")[0].strip().split("-")[0].lower()
        if primary in TRANSLATIONS:
            return primary
    return DEFAULT_LANGUAGE


def text(key: str, language: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The string `key` in `language`, with `values` filled in."""
    return TRANSLATIONS.get(language, EN)[key].format(**values)


# For `launch(i18n=I18N)`, and `I18N("key")` for a label; the request-time strings ride along unused.
I18N = gr.I18n(**TRANSLATIONS)
